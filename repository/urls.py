from django.urls import path

from . import search_views, views

app_name = "repository"

urlpatterns = [
    path("", views.home, name="home"),
    path("search", search_views.search_page, name="search"),
    path("records/<int:pk>", views.landing, name="landing"),
    path("records/<int:pk>/files/<path:name>", views.file_download, name="file-download"),
    path("records/<int:pk>/export/<str:fmt>", views.export, name="export"),
    path("records/<int:pk>/withdraw", views.record_withdraw, name="withdraw"),
    path("concepts/<int:pk>", views.concept_resolve, name="concept"),
    path("doi/<path:doi>", views.doi_resolve, name="doi-resolve"),
    path("storage/uploads/<str:upload_id>/parts/<int:part_number>", views.upload_part, name="upload-part"),
]

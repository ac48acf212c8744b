from django.urls import path

from . import search_views, views

app_name = "repository"

urlpatterns = [
    path("", views.home, name="home"),
    path("search", search_views.search_page, name="search"),
    path("records/<id:pk>", views.landing, name="landing"),
    path("records/<id:pk>/files/<path:name>", views.file_download, name="file-download"),
    path("records/<id:pk>/files.zip", views.files_zip, name="files-zip"),
    path("records/<id:pk>/manifest-sha256.txt", views.files_manifest, name="files-manifest"),
    path("records/<id:pk>/files.txt", views.files_urls, name="files-urls"),
    path("records/<id:pk>/previews/<path:name>", views.file_preview, name="file-preview"),
    path("records/<id:pk>/export/<str:fmt>", views.export, name="export"),
    path("records/<id:pk>/withdraw", views.record_withdraw, name="withdraw"),
    path("concepts/<id:pk>", views.concept_resolve, name="concept"),
    path("doi/<path:doi>", views.doi_resolve, name="doi-resolve"),
    path("storage/uploads/<str:upload_id>/parts/<id:part_number>", views.upload_part, name="upload-part"),
]

"""The private reviewer pages, under /review/: a deposit read through a reviewer link's token, and its
files (deposit.views_reviewer)."""

from django.urls import path

from . import views_reviewer

app_name = "reviewer"

urlpatterns = [
    path("<str:token>/", views_reviewer.reviewer_page, name="page"),
    path("<str:token>/files/<id:file_pk>", views_reviewer.reviewer_file, name="file"),
    path("<str:token>/files/<id:file_pk>/preview", views_reviewer.reviewer_file_preview, name="file-preview"),
]

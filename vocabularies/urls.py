"""Thesaurus pages, under /vocabularies/."""

from django.urls import path

from . import views

app_name = "vocabularies"

urlpatterns = [
    path("search", views.search, name="search"),
]

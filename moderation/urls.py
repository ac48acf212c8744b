"""Moderation pages, under /moderation/."""
from django.urls import path

from . import views

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
]

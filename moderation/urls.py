"""Moderation pages, under /moderation/."""
from django.urls import path

from . import views, views_review

app_name = "moderation"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("deposits/<int:pk>/", views_review.review, name="review"),
]

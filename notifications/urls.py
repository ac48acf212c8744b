"""Notification pages, under /notifications/."""

from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("<id:pk>/read", views.notification_open, name="read"),
    path("read", views.notifications_read_all, name="read-all"),
    path("settings", views.preference_edit, name="settings"),
]

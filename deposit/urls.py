"""Deposit pages, under /deposits/."""
from django.urls import path

from . import views

app_name = "deposit"

urlpatterns = [
    path("", views.deposit_list, name="list"),
    path("new", views.deposit_create, name="create"),
    path("<int:pk>/", views.deposit_detail, name="detail"),
    path("<int:pk>/edit", views.deposit_edit, name="edit"),
    path("<int:pk>/act", views.deposit_act, name="act"),
    path("<int:pk>/files/<int:file_pk>/delete", views.file_delete, name="file-delete"),
    path("<int:pk>/co-depositors", views.collaborator_invite, name="collaborator-invite"),
    path("<int:pk>/co-depositors/<int:collaboration_pk>/remove", views.collaborator_remove, name="collaborator-remove"),
    path("invitations", views.invitations, name="invitations"),
]

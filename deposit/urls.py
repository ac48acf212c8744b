"""Deposit pages, under /deposits/: the list, a deposit's page, and the five-step wizard."""
from django.urls import path

from . import views, views_wizard

app_name = "deposit"

urlpatterns = [
    path("", views.deposit_list, name="list"),
    path("new", views_wizard.wizard_start, name="create"),
    path("<int:pk>/", views.deposit_detail, name="detail"),
    path("<int:pk>/edit", views.deposit_edit, name="edit"),
    path("<int:pk>/wizard/save", views_wizard.wizard_save, name="wizard-save"),
    path("<int:pk>/wizard/review", views_wizard.wizard_review, name="wizard-review"),
    path("<int:pk>/wizard/files", views_wizard.wizard_files, name="wizard-files"),
    path("<int:pk>/wizard/upload", views_wizard.wizard_upload, name="wizard-upload"),
    path("<int:pk>/wizard/submit", views_wizard.wizard_submit, name="wizard-submit"),
    path("<int:pk>/wizard/netcdf/<int:file_pk>", views_wizard.wizard_suggestions, name="wizard-suggestions"),
    path("<int:pk>/wizard/<slug:step>/", views_wizard.wizard_step, name="wizard"),
    path("<int:pk>/act", views.deposit_act, name="act"),
    path("<int:pk>/files/<int:file_pk>/delete", views.file_delete, name="file-delete"),
    path("<int:pk>/co-depositors", views.collaborator_invite, name="collaborator-invite"),
    path("<int:pk>/co-depositors/<int:collaboration_pk>/remove", views.collaborator_remove, name="collaborator-remove"),
    path("invitations", views.invitations, name="invitations"),
    # The people step's look-ups (JSON): the name on an ORCID record, organisations in ROR.
    path("lookup/orcid/<str:orcid>", views_wizard.lookup_orcid, name="lookup-orcid"),
    path("lookup/ror", views_wizard.lookup_ror, name="lookup-ror"),
]

# The DOI lifecycle: deleting a deposit (and its reserved DOI), starting a new version of a record.
urlpatterns += [
    path("<int:pk>/delete", views.deposit_delete, name="delete"),
    path("new-version/<int:record_pk>", views.record_new_version, name="new-version"),
]

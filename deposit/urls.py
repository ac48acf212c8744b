"""Deposit pages, under /deposits/: the list, a deposit's page, and the five-step wizard."""

from django.urls import path

from . import views, views_reviewer, views_wizard

app_name = "deposit"

urlpatterns = [
    path("", views.deposit_list, name="list"),
    path("new", views_wizard.wizard_start, name="create"),
    path("<id:pk>/", views.deposit_detail, name="detail"),
    path("<id:pk>/edit", views.deposit_edit, name="edit"),
    path("<id:pk>/preview-landing", views.deposit_landing_preview, name="landing-preview"),
    path("<id:pk>/wizard/save", views_wizard.wizard_save, name="wizard-save"),
    path("<id:pk>/wizard/review", views_wizard.wizard_review, name="wizard-review"),
    path("<id:pk>/wizard/files", views_wizard.wizard_files, name="wizard-files"),
    path("<id:pk>/wizard/upload", views_wizard.wizard_upload, name="wizard-upload"),
    path("<id:pk>/wizard/submit", views_wizard.wizard_submit, name="wizard-submit"),
    path("<id:pk>/wizard/netcdf/<id:file_pk>", views_wizard.wizard_suggestions, name="wizard-suggestions"),
    path("<id:pk>/wizard/<slug:step>/", views_wizard.wizard_step, name="wizard"),
    path("<id:pk>/act", views.deposit_act, name="act"),
    path("<id:pk>/files/<id:file_pk>/delete", views.file_delete, name="file-delete"),
    path("<id:pk>/co-depositors", views.collaborator_invite, name="collaborator-invite"),
    path("<id:pk>/co-depositors/<id:collaboration_pk>/remove", views.collaborator_remove, name="collaborator-remove"),
    path("invitations", views.invitations, name="invitations"),
    # Private reviewer links (the pages they open are under /review/: deposit.urls_reviewer).
    path("<id:pk>/reviewer-links", views_reviewer.reviewer_link_create, name="reviewer-link-create"),
    path(
        "<id:pk>/reviewer-links/<id:link_pk>/revoke", views_reviewer.reviewer_link_revoke, name="reviewer-link-revoke"
    ),
    # The people step's look-ups (JSON): the name on an ORCID record, organisations in ROR.
    path("lookup/orcid/<str:orcid>", views_wizard.lookup_orcid, name="lookup-orcid"),
    path("lookup/ror", views_wizard.lookup_ror, name="lookup-ror"),
]

# The DOI lifecycle: deleting a deposit (and its reserved DOI), starting a new version of a record.
urlpatterns += [
    path("<id:pk>/delete", views.deposit_delete, name="delete"),
    path("new-version/<id:record_pk>", views.record_new_version, name="new-version"),
]

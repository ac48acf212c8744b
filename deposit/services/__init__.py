"""Writes on deposits, one module per concern: `deposits` (create, edit, what stands before
submission, delete, new version), `lifecycle` (the actions: submission, approval…), `uploads`
(upload sessions, verification, the sweeps, file deletion), `uploads_batch` (the same in bulk),
`collaborators` (co-depositors), `reviewer_links` (private links for a journal's reviewers) and
`netcdf` (suggestions read from a NetCDF file). Callers use the names re-exported here
(`from deposit import services; services.deposit_create(...)`); a test that replaces a name a
service looks up patches it in the module that looks it up (e.g. `deposit.services.netcdf.get_store`)."""

from .collaborators import (
    collaboration_revoke,
    collaborator_invite,
    invitation_accept,
    invitation_decline,
)
from .common import StoreUnavailable
from .deposits import (
    DELETABLE,
    deposit_create,
    deposit_delete,
    deposit_new_version,
    deposit_problems,
    deposit_update,
)
from .lifecycle import NameRequired, deposit_act, deposit_approve, deposit_submit
from .netcdf import NETCDF_SUGGESTIONS_MAX_SIZE, file_netcdf_suggestions, netcdf_subjects_known
from .reviewer_links import (
    reviewer_link_count_use,
    reviewer_link_create,
    reviewer_link_find,
    reviewer_link_revoke,
)
from .uploads import (
    MAX_PARTS,
    VERIFY_SLOWEST_BYTES_PER_SECOND,
    VERIFY_STALLED_AFTER,
    clean_file_name,
    file_add_bytes,
    file_delete,
    file_verify_queued,
    files_verify_stalled,
    object_delete_unpublished,
    part_size_for,
    upload_abort,
    upload_complete,
    upload_open,
    upload_part_urls,
    upload_sign_parts,
    upload_stored_parts,
    uploads_abort_abandoned,
)
from .uploads_batch import BATCH_MAX_ITEMS, uploads_complete_batch, uploads_open_batch

__all__ = [
    "BATCH_MAX_ITEMS",
    "DELETABLE",
    "MAX_PARTS",
    "NETCDF_SUGGESTIONS_MAX_SIZE",
    "VERIFY_SLOWEST_BYTES_PER_SECOND",
    "VERIFY_STALLED_AFTER",
    "NameRequired",
    "StoreUnavailable",
    "clean_file_name",
    "collaboration_revoke",
    "collaborator_invite",
    "deposit_act",
    "deposit_approve",
    "deposit_create",
    "deposit_delete",
    "deposit_new_version",
    "deposit_problems",
    "deposit_submit",
    "deposit_update",
    "file_add_bytes",
    "file_delete",
    "file_netcdf_suggestions",
    "file_verify_queued",
    "files_verify_stalled",
    "invitation_accept",
    "invitation_decline",
    "netcdf_subjects_known",
    "object_delete_unpublished",
    "part_size_for",
    "reviewer_link_count_use",
    "reviewer_link_create",
    "reviewer_link_find",
    "reviewer_link_revoke",
    "upload_abort",
    "upload_complete",
    "upload_open",
    "upload_part_urls",
    "upload_sign_parts",
    "upload_stored_parts",
    "uploads_abort_abandoned",
    "uploads_complete_batch",
    "uploads_open_batch",
]

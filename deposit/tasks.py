"""Celery tasks of deposits' files: verification after an upload completes (and its sweep of
verifications lost on the way), deferred deletion of objects, and the sweep of abandoned uploads."""

from celery import shared_task

from repository.storage import StorageError

# A module import: deposit.services.uploads imports these tasks at its top, so the names are looked
# up when a task runs, not while the two modules load.
from .services import uploads


@shared_task(
    name="deposit.files.verify",
    autoretry_for=(StorageError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=None,
)
def file_verify_task(file_id: int) -> str | None:
    """Stream the object once, record its MD5 and SHA-256 and compare them with what was declared.
    While the store is unavailable the file stays `verifying` and the task retries with backoff.

    Late acknowledgement redelivers the message of a worker that died mid-task; that must not loop
    on a hostile file. Nothing here parses the file in this process: the checksums only hash bytes,
    and the preview (NetCDF headers) is read in a child process with memory and time limits
    (`repository.sandbox`), after the file's new state is committed, so a redelivered message finds
    the file no longer `verifying` and ends at once."""
    file = uploads.file_verify_queued(file_id=file_id)
    return file.state if file else None


@shared_task(name="deposit.files.verify_many")
def files_verify_task(file_ids: list[int]) -> int:
    """The files a batch's completion hands over, in one message from its request: each goes on to
    file_verify_task here, with its own retries, and the worker's processes share them."""
    for file_id in file_ids:
        file_verify_task.delay(file_id)
    return len(file_ids)


@shared_task(name="deposit.files.announce_ready")
def files_announce_ready_task(file_ids: list[int]) -> None:
    """The previews of the files a batch's completion verified in its request."""
    uploads.files_announce_ready(file_ids=file_ids)


@shared_task(
    name="deposit.files.delete_object",
    autoretry_for=(StorageError,),
    retry_backoff=60,
    retry_backoff_max=3600,
    max_retries=20,
)
def object_delete_task(key: str) -> bool:
    """Delete a draft file's object that could not be deleted at once (never a published one)."""
    return uploads.object_delete_unpublished(key=key)


@shared_task(name="deposit.uploads.abort_abandoned")
def uploads_abort_abandoned_task() -> dict:
    return uploads.uploads_abort_abandoned()


@shared_task(name="deposit.files.verify_stalled")
def files_verify_stalled_task() -> int:
    """Verifications lost on the way (a worker killed mid-task) are handed over again."""
    return uploads.files_verify_stalled()

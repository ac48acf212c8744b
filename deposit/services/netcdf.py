"""What a NetCDF file of a deposit says about its extent and parameters, for the wizard to offer."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import Conflict, NotFound, ValidationFailed
from core.logging import get_logger
from deposit.models import DepositFile
from repository.netcdf import CF_STANDARD_NAMES, netcdf_kind
from repository.sandbox import Unreadable, run_isolated
from repository.storage import ObjectTooLarge, get_store
from vocabularies.mappings import NVS_P07, cf_equivalents

from .common import human_size, store_errors

log = get_logger(__name__)

# NetCDF needs random access to the whole file: a stored object is copied to a temporary file
# first (the store's local_copy), up to this size (settings.NETCDF_SUGGESTIONS_MAX_SIZE overrides it).
NETCDF_SUGGESTIONS_MAX_SIZE = 2 * 1024**3


def file_netcdf_suggestions(*, file: DepositFile) -> dict:
    """What a NetCDF file of the deposit says about its extent and parameters, for the "where and
    when" step to offer (see `repository.netcdf.extract_suggestions`: document-shaped `geo_locations`,
    `temporal_extent`, `vertical_extent`, `subjects`…, with `notes` and `variables`). Reads only;
    the caller checks who may see the file. Refuses a file that is not ready (409), too large, not
    NetCDF or that could not be read (422); a store that does not answer is StoreUnavailable (503).
    The file is read in a child process with memory and time limits (`repository.sandbox`): a
    hostile file fails there, not in this process."""
    limit = getattr(settings, "NETCDF_SUGGESTIONS_MAX_SIZE", NETCDF_SUGGESTIONS_MAX_SIZE)
    if file.state != DepositFile.State.ready:
        raise Conflict(_("This file is not ready yet: its upload or its check is not finished."), code="file_not_ready")
    if file.size > limit:
        raise ValidationFailed(
            _("Only files up to %(limit)s are read for suggestions; this one is %(size)s.")
            % {"limit": human_size(limit), "size": human_size(file.size)},
            field="file",
        )
    not_netcdf = ValidationFailed(_("This file cannot be read as NetCDF."), field="file")

    def extract(path: str | Path) -> dict:
        if netcdf_kind(path) is None:
            raise not_netcdf
        try:
            suggestions = run_isolated("repository.netcdf:extract_suggestions", path)
        except Unreadable:
            raise ValidationFailed(
                _(
                    "This file could not be read: its header is damaged or declares more than the file holds, "
                    "or reading it needed more memory or time than Estran allows."
                ),
                field="file",
            ) from None
        log.info("file.netcdf_suggestions", file=file.pk, found=sorted(k for k in suggestions if k != "notes"))
        return suggestions

    with ExitStack() as stack:
        # The local store's own file, or a temporary copy deleted when this returns.
        try:
            with store_errors(_("The file store is not answering; try again in a moment.")):
                path = stack.enter_context(get_store().local_copy(file.storage_key, max_bytes=limit))
        except FileNotFoundError:
            raise NotFound(_("The store does not hold this file's bytes; upload it again.")) from None
        except ObjectTooLarge:  # more bytes than the database says
            raise ValidationFailed(
                _("Only files up to %(limit)s are read for suggestions.") % {"limit": human_size(limit)}, field="file"
            ) from None
        return extract(path)


def netcdf_subjects_known(*, subjects: list[dict], metadata: dict | None) -> list[dict]:
    """The file's suggested keywords, each CF standard name with the URIs of the concepts that say
    the same (`equivalents`, from the thesauri: vocabularies.mappings) and, when the deposit's
    keywords already hold one of them (or the name itself, or the NVS P07 term of that name),
    that keyword's label (`already`): the wizard offers it unticked, and does not add it twice."""
    names = [s.get("subject") for s in subjects if s.get("scheme") == CF_STANDARD_NAMES]
    equivalents = cf_equivalents(str(n) for n in names if n)
    held = [s for s in (metadata or {}).get("subjects") or [] if isinstance(s, dict)]
    marked = []
    for subject in subjects:
        name = subject.get("subject")
        if subject.get("scheme") != CF_STANDARD_NAMES or name not in equivalents:
            marked.append(subject)
            continue
        uris = {subject.get("value_uri"), *equivalents[name]}
        same = next(
            (
                h
                for h in held
                if h.get("value_uri") in uris
                or (str(h.get("value_uri") or "").startswith(NVS_P07) and h.get("subject") == name)
            ),
            None,
        )
        marked.append(
            {**subject, "equivalents": equivalents[name], **({"already": str(same.get("subject"))} if same else {})}
        )
    return marked

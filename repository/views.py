"""Public pages of published records (home, landing page or tombstone, downloads, exports), the DOI
resolver and concept DOIs, withdrawal, and the local store's part-upload endpoint (what a presigned
S3 URL is for the `s3` backend)."""
from __future__ import annotations

import mimetypes
import re
import unicodedata
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from core.errors import DomainError, NotFound

from . import selectors, services
from .metadata import MetadataDocument
from .models import WithdrawalReason
from .storage import CHECKSUM_HEADER, ChecksumMismatch, LocalObjectStore, get_store, sha256_hex_and_b64


@require_GET
def home(request):
    return render(request, "repository/home.html", {"records": selectors.records_published()[:20]})


def _record_or_404(pk: int):
    try:
        return selectors.record_get(pk)
    except NotFound:
        raise Http404("No such record.") from None


@require_GET
def landing(request, pk: int):
    """The landing page; for a withdrawn record, the tombstone (410 Gone) with its citation and the
    reason, where the DOI keeps resolving."""
    record = _record_or_404(pk)
    document = MetadataDocument.model_validate(record.metadata)
    versions = selectors.landing_versions(record)
    context = {
        "record": record,
        "document": document,
        "citation": citation_text(record, document),
        "versions": versions if len(versions) > 1 else [],
        "latest": selectors.concept_latest(record.concept, versions),
    }
    if record.is_withdrawn:
        return render(request, "repository/tombstone.html", context, status=410)
    user = request.user
    today = timezone.now().date()
    context.update({
        "files": list(record.files.all()),
        "embargoed": record.embargoed_on(today),
        "can_download_embargoed": record.embargoed_on(today) and _may_see_embargoed(record, user),
        "can_withdraw": services.can_withdraw(record, user),
        "can_new_version": user.is_authenticated and (user.is_superuser or record.owner_id == user.pk),
        "withdrawal_reasons": WithdrawalReason.choices,
    })
    return render(request, "repository/landing.html", context)


def format_citation(*, creators: list[tuple[str, str | None, str | None]], year: int, title: str, doi: str,
                    version: int = 1, publisher: str | None = None) -> str:
    """A DataCite-recommended citation: Creators (Year). Title. Version. Publisher. DOI. Each creator
    is (name, family name, given name)."""
    names = []
    for name, family, given in creators:
        if family:
            initials = " ".join(f"{p[0]}." for p in (given or "").split() if p)
            names.append(f"{family}, {initials}".strip().rstrip(","))
        else:
            names.append(name)
    version_text = f" Version {version}." if version > 1 else ""
    return f"{'; '.join(names)} ({year}). {title}.{version_text} {publisher or 'Estran'}. https://doi.org/{doi}"


def citation_text(record, document: MetadataDocument) -> str:
    return format_citation(
        creators=[(c.name, c.family_name, c.given_name) for c in document.creators],
        year=record.publication_date.year, title=document.title, doi=record.doi, version=record.version,
        publisher=document.publisher,
    )


@require_GET
def doi_resolve(request, doi: str):
    """A record's DOI to its landing page (or tombstone); a concept DOI to its latest version."""
    try:
        record = selectors.record_by_doi(doi)
    except NotFound:
        try:
            concept = selectors.concept_by_doi(doi)
        except NotFound:
            raise Http404("This DOI is not (or not yet) published here.") from None
        return concept_resolve(request, concept.pk)
    return HttpResponseRedirect(record.get_absolute_url())


@require_GET
def concept_resolve(request, pk: int):
    """A concept (all versions of a dataset) resolves to its latest version: never cached, since
    the next version changes the answer."""
    from .models import Concept

    concept = Concept.objects.filter(pk=pk).first()
    latest = selectors.concept_latest(concept) if concept else None
    if latest is None:
        raise Http404("No such dataset.")
    response = HttpResponseRedirect(latest.get_absolute_url())
    response["Cache-Control"] = "no-cache"
    return response


@login_required
@require_POST
def record_withdraw(request, pk: int):
    record = _record_or_404(pk)
    try:
        services.record_withdraw(
            record=record, actor=request.user, reason=request.POST.get("reason", ""), note=request.POST.get("note", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The record is withdrawn: its DOI now resolves to this tombstone page."))
    return redirect("repository:landing", pk=pk)


def _may_see_embargoed(record, user) -> bool:
    """The depositor, the community's moderators and administrators reach embargoed files."""
    from accounts.selectors import is_moderator_of

    if not user.is_authenticated:
        return False
    return user.is_superuser or record.owner_id == user.pk or is_moderator_of(user, record.community)


def download_allowed(*, record_file, user) -> bool:
    """Whether `user` (possibly anonymous) may download this file: the one place that decides, for
    both the S3 redirect and the local stream. A withdrawn record's files are served to nobody;
    an embargoed record's only to its depositor, the community's moderators and administrators,
    until the embargo's day (from that day on they are open, even before the daily task runs)."""
    record = record_file.record
    if record.is_withdrawn:
        return False
    if record.embargoed_on(timezone.now().date()):
        return _may_see_embargoed(record, user)
    return True


def download_refused(*, record_file) -> HttpResponse:
    """The answer when `download_allowed` says no: 410 Gone for a withdrawn record, 403 with the
    date for an embargo."""
    record = record_file.record
    if record.is_withdrawn:
        return HttpResponse(_("This record was withdrawn; its files are no longer available."), status=410,
                            content_type="text/plain; charset=utf-8")
    return HttpResponseForbidden(
        _("This file is under embargo until %(date)s.") % {"date": record.embargo_until.isoformat()},
        content_type="text/plain; charset=utf-8",
    )


def content_disposition(name: str) -> str:
    """`attachment` with the original name (RFC 6266): `filename*` in UTF-8 for every client that
    reads it, and an ASCII `filename` for those that do not."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = re.sub(r'[^\x20-\x7e]|["\\%]', "_", fallback).strip() or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """The (first, last) byte of a single `Range: bytes=…`, None to serve the whole file (no header,
    several ranges, or one we do not parse: RFC 9110 lets a server ignore Range), or False when
    the range cannot be satisfied."""
    match = _RANGE.match(header.strip().replace(" ", "")) if header else None
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        n = int(last)
        return (max(0, size - n), size - 1) if n and size else False
    first = int(first)
    last = min(int(last), size - 1) if last else size - 1
    if first >= size or last < first:
        return False
    return first, last


class _Span:
    """`length` bytes of an open file from `start`, in chunks; closed with the response (even if
    the response is never read)."""

    def __init__(self, fh, start: int, length: int, chunk_size: int = 1024 * 1024):
        self.fh, self.start, self.length, self.chunk_size = fh, start, length, chunk_size

    def __iter__(self):
        self.fh.seek(self.start)
        left = self.length
        while left > 0:
            chunk = self.fh.read(min(self.chunk_size, left))
            if not chunk:
                return
            left -= len(chunk)
            yield chunk

    def close(self) -> None:
        self.fh.close()


@require_safe
def file_download(request, pk: int, name: str):
    """S3: a redirect to a presigned GET (short expiry) that S3 serves with `Content-Disposition:
    attachment` and the original name. Local: the bytes, with HTTP Range support. Each download
    is counted once: a ranged request counts only when it starts at the first byte."""
    record = _record_or_404(pk)
    file = next((f for f in record.files.all() if f.name == name), None)
    if file is None:
        raise Http404("No such file.")
    if not download_allowed(record_file=file, user=request.user):
        return download_refused(record_file=file)
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    disposition = content_disposition(file.name)
    store = get_store()
    url = store.download_url(file.storage_key, content_disposition=disposition, content_type=content_type)
    if url is not None:
        if request.method == "GET":
            services.record_file_count_download(record_file=file)
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "no-store"  # the URL expires; never cache the redirect
        return response

    etag = f'"{file.sha256}"'
    wanted = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range != etag:
        wanted = ""  # the client's copy is of other bytes: send them all
    span = _byte_range(wanted, file.size)
    if span is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{file.size}"
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = span if span else (0, file.size - 1)
    length = max(0, last - first + 1)
    if request.method == "GET" and first == 0:
        services.record_file_count_download(record_file=file)
    if request.method == "HEAD":
        response = HttpResponse(status=206 if span else 200)
    else:
        response = StreamingHttpResponse(_Span(store.open(file.storage_key), first, length), status=206 if span else 200)
    response["Content-Type"] = content_type
    response["Content-Length"] = str(length)
    response["Content-Disposition"] = disposition
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Digest"] = f"sha-256={file.sha256}"
    if span:
        response["Content-Range"] = f"bytes {first}-{last}/{file.size}"
    return response


EXPORTS = {
    "datacite-xml": ("application/vnd.datacite.datacite+xml", "xml"),
}


@require_GET
def export(request, pk: int, fmt: str):
    from .serializers.datacite import to_datacite_xml

    record = _record_or_404(pk)
    if fmt not in EXPORTS:
        raise Http404(f"Unknown format; available: {', '.join(EXPORTS)}.")
    media_type, extension = EXPORTS[fmt]
    document = selectors.record_document(record)
    body = to_datacite_xml(document, doi=record.doi, publication_year=record.publication_date.year)
    response = HttpResponse(body, content_type=f"{media_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="estran-{record.pk}-{fmt}.{extension}"'
    return response


@csrf_exempt
@require_http_methods(["PUT", "OPTIONS"])
def upload_part(request, upload_id: str, part_number: int):
    """PUT the bytes of one part; the URL's signature is the authorisation, as with S3. A URL signed
    for a SHA-256 takes only bytes of that SHA-256 (sent in `x-amz-checksum-sha256`, as S3 wants)."""
    store = get_store()
    if not isinstance(store, LocalObjectStore):
        raise Http404()
    if request.method == "OPTIONS":
        return HttpResponse(status=204)
    signature = request.GET.get("signature", "")
    grant = LocalObjectStore.verify_part_url(upload_id=upload_id, part_number=part_number, signature=signature)
    if grant is None:
        return JsonResponse({"detail": "This part URL is invalid or has expired."}, status=403)
    max_bytes, signed_sha256 = grant
    declared = request.headers.get(CHECKSUM_HEADER, "")
    expected = signed_sha256
    if declared:
        try:
            declared_hex = sha256_hex_and_b64(declared)[0]
        except ValueError:
            return JsonResponse({"detail": f"{CHECKSUM_HEADER} is not a base64 SHA-256.", "code": "InvalidDigest"}, status=400)
        if signed_sha256 and declared_hex != signed_sha256:
            return JsonResponse({"detail": f"{CHECKSUM_HEADER} is not the checksum this URL was signed for.",
                                 "code": "SignatureDoesNotMatch"}, status=403)
        expected = declared_hex
    too_large = JsonResponse({"detail": f"A part is at most {max_bytes} bytes."}, status=413)
    length = request.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > max_bytes:
        return too_large

    class TooLarge(Exception):
        pass

    def chunks():
        received = 0
        while True:
            chunk = request.read(1024 * 1024)
            if not chunk:
                return
            received += len(chunk)
            if received > max_bytes:
                raise TooLarge
            yield chunk

    try:
        etag = store.put_part(upload_id=upload_id, part_number=part_number, stream=chunks(), sha256=expected)
    except TooLarge:
        return too_large
    except ChecksumMismatch as exc:
        return JsonResponse({"detail": str(exc), "code": "BadDigest"}, status=400)
    except (FileNotFoundError, ValueError):
        return JsonResponse({"detail": "No such upload (completed, aborted or expired)."}, status=404)
    response = HttpResponse(status=200)
    response["ETag"] = f'"{etag}"'
    response["Access-Control-Expose-Headers"] = "ETag"
    return response

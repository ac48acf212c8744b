"""Public pages of published records (home, landing page or tombstone, downloads, exports and
content negotiation), the DOI resolver and concept DOIs, withdrawal, and the local store's
part-upload endpoint (what a presigned S3 URL is for the `s3` backend)."""

from __future__ import annotations

import json
import mimetypes
import re
import unicodedata
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext as _, gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)
from django.views.decorators.vary import vary_on_headers

from core.errors import DomainError, NotFound
from core.file_names import base_name

from . import archive, file_summary, hooks, landing as landing_page, selectors, services, signposting, usage
from .catalog import this_repository
from .landing import LandingPreview, LandingRecord
from .models import Concept, WithdrawalReason
from .serializers import citation as citations, prov
from .serializers.datacite import to_datacite_xml
from .serializers.datacite_json import to_datacite_json
from .serializers.iso19115 import IsoResource, to_iso19115_3_xml
from .serializers.schemaorg import catalog_schemaorg, jsonld_script, to_jsonld
from .storage import (
    CHECKSUM_HEADER,
    ChecksumMismatch,
    LocalObjectStore,
    get_store,
    sha256_hex_and_b64,
)


@require_GET
def home(request):
    """The home page, with the DataCatalog that every record's JSON-LD includes itself in."""
    catalog = catalog_schemaorg(this_repository(), description=_("Research data for the Earth system and the ocean"))
    return render(
        request,
        "repository/home.html",
        {"records": selectors.records_published()[:20], "jsonld": jsonld_script(catalog)},
    )


def _record_or_404(pk: int, *, with_usage: bool = False):
    """The record with its files unless it has too many to list (`selectors.listed_files`), and, for
    its landing page, its views and downloads, in the same query."""
    records = selectors.records_all().prefetch_related(selectors.listed_files())
    if with_usage:
        records = usage.with_usage(records)
    record = records.filter(pk=pk).first()
    if record is None:
        raise Http404("No such record.")
    return record


@require_safe
@vary_on_headers("Accept")
def landing(request, pk: int):
    """The landing page; for a withdrawn record, the tombstone (410 Gone) with its citation and the
    reason, where the DOI keeps resolving. A client whose `Accept` prefers one of the `EXPORTS`
    media types gets that format instead (406 when it accepts neither HTML nor any of them).
    Every answer carries the Signposting `Link` header, HEAD included. Anonymous readers' pages
    come from the page cache (see `repository.landing`)."""
    negotiated = negotiate(request)
    if negotiated is None:
        return not_acceptable()
    fmt, params = negotiated
    if fmt != HTML:
        record = _record_or_404(pk)
        return _export_response(request, record, fmt, attachment=False, params=params)
    if _page_cacheable(request):
        return _landing_cached(request, pk)
    record = _record_or_404(pk, with_usage=True)
    page = LandingRecord(record, **_files_chosen(request))
    text = landing_page.usage_text(record.usage_views, record.usage_downloads)
    status, html, link = _render_landing(request, page, usage_text=text)
    return _landing_response(request, record.pk, status, html, link)


def _files_chosen(request) -> dict:
    """The files a reader asked the page to list: the page (`?files_page=`, 1 unless a number), the
    folder (`?folder=`, the top unless the record has it) and the search in them (`?files_q=`)."""
    value = request.GET.get("files_page", "")
    return {
        "files_page": int(value) if value.isdigit() and len(value) < 7 else 1,
        "folder": request.GET.get("folder", ""),
        "files_q": request.GET.get("files_q", ""),
    }


def _page_cacheable(request) -> bool:
    """An anonymous reader's plain page: no session (so no user and no message kept in it), no
    message waiting in a cookie, no query string."""
    cookies = request.COOKIES
    return (
        landing_page.page_cache_seconds() > 0
        and not request.GET
        and settings.SESSION_COOKIE_NAME not in cookies
        and CookieStorage.cookie_name not in cookies
    )


def _landing_cached(request, pk: int) -> HttpResponse:
    state = landing_page.page_state(pk)
    if state is None:
        raise Http404("No such record.")
    key = landing_page.page_cache_key(state, get_language() or settings.LANGUAGE_CODE)
    cached = cache.get(key)
    if cached is None:
        page = LandingRecord(_record_or_404(pk))
        mark = landing_page.csrf_mark()
        cached = (
            *_render_landing(request, page, usage_text=SafeString(landing_page.USAGE_MARK), csrf_token=mark),
            mark,
        )
        if request.method == "GET":  # a HEAD renders no HTML: nothing to keep
            cache.set(key, cached, landing_page.page_cache_seconds())
    status, html, link, mark = cached
    if request.method == "GET":
        text = landing_page.usage_text(state["usage_views"], state["usage_downloads"])
        html = html.replace(mark, get_token(request)).replace(landing_page.USAGE_MARK, escape(text))
    return _landing_response(request, pk, status, html, link)


def _render_landing(request, page: LandingRecord, *, usage_text: str, csrf_token: str | None = None):
    """(status, HTML, Link header) of a record's page (HEAD: no HTML)."""
    status = 410 if page.record.is_withdrawn else 200
    link = signposting.link_header(page.links(_describedby(page.record)))
    if request.method == "HEAD":
        return status, "", link
    template, context = _landing_template(request, page)
    context["usage_text"] = usage_text
    if csrf_token:
        context["csrf_token"] = csrf_token
    return status, render_to_string(template, context, request), link


def _landing_response(request, record_id: int, status: int, html: str, link: str) -> HttpResponse:
    response = HttpResponse(
        html if request.method == "GET" else b"", status=status, content_type="text/html; charset=utf-8"
    )
    response["Link"] = link
    if status == 200 and request.method == "GET":
        usage.count_view(request, record_id=record_id)
    return response


def _landing_template(request, page: LandingRecord, *, preview: dict | None = None) -> tuple[str, dict]:
    """The template and context of a record's page; with `preview` (the banner's context), of the page
    a deposit will have, shown as a reader will see it: no other version, no action, no JSON-LD."""
    record = page.record
    versions = page.versions
    style = request.GET.get("style", "")
    if style not in {s for _label, s in citations.OFFERED_STYLES}:
        style = citations.DATACITE_STYLE
    context = {
        "record": record,
        "page": page,
        "document": page.metadata,
        "citation": page.citation if style == citations.DATACITE_STYLE else _styled_citation(request, page, style),
        "citation_style": style,
        "citation_styles": citations.OFFERED_STYLES,
        "citation_exports": [(label, fmt, EXPORTS[fmt][0]) for label, fmt in CITATION_EXPORTS],
        "metadata_exports": [(label, fmt, EXPORTS[fmt][0]) for label, fmt in METADATA_EXPORTS],
        "versions": versions if len(versions) > 1 else [],
        "latest": selectors.concept_latest(record.concept, versions) if preview is None else None,
        "locale": _citation_locale(request),
        "preview": preview,
    }
    if record.is_withdrawn:
        return "repository/tombstone.html", context
    today = timezone.now().date()
    embargoed = record.embargoed_on(today)
    if preview is not None:
        # As a reader will see it: an embargoed deposit's files locked, nothing to act on, and no
        # schema.org JSON-LD that a crawler or a reference manager could take for a published record.
        can_download_embargoed = can_withdraw = can_new_version = False
        jsonld = ""
    else:
        user = request.user
        can_download_embargoed = embargoed and hooks.may("see_embargoed_files", record, user)
        can_withdraw = hooks.may("withdraw", record, user)
        can_new_version = hooks.may("start_new_version", record, user)
        jsonld = jsonld_script(page.schemaorg())
    context.update(
        {
            "files": page.files_listed,
            "files_count": page.files_count,
            "files_total_size": page.files_size,
            "embargoed": embargoed,
            "can_download_embargoed": can_download_embargoed,
            # Under embargo and not for this reader: a lock with the opening day, not a download.
            "files_locked": embargoed and not can_download_embargoed,
            "can_withdraw": can_withdraw,
            "can_new_version": can_new_version,
            "withdrawal_reasons": WithdrawalReason.choices,
            "jsonld": jsonld,
            "shapes": page.shapes,
        }
    )
    return "repository/landing.html", context


def landing_preview(request, page: LandingPreview, *, back_url: str, back_label: str) -> HttpResponse:
    """The page a deposit will have once published (`deposit.views.deposit_landing_preview` asks who
    may see it and builds `page`): the landing page's own template, under a banner saying it is not
    published and its DOI not active, kept out of search engines and caches."""
    page.choose_files(**_files_chosen(request))
    template, context = _landing_template(
        request, page, preview={"back_url": back_url, "back_label": back_label, "url": request.path}
    )
    context["usage_text"] = ""
    response = render(request, template, context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "private, no-store"
    return response


def _citation_locale(request) -> str:
    """The citation locale of the page's language (`fr` pages cite in French)."""
    return citations.normalize_locale((get_language() or "en").split("-")[0])


def _styled_citation(request, page: LandingRecord, style: str) -> str:
    return citations.format_bibliography(
        page.csl, style=style, locale=_citation_locale(request), version_number=page.record.version
    )


def _describedby(record) -> list[tuple[str, str, str | None]]:
    """(URL, media type, profile) of each metadata format, for Signposting's `describedby`."""
    base = settings.SITE_URL
    return [
        (base + reverse("repository:export", kwargs={"pk": record.pk, "fmt": fmt}), EXPORTS[fmt][0], PROFILES.get(fmt))
        for fmt in DESCRIBEDBY
    ]


# Kept here for `repository.templatetags.doi_tags` (a reserved DOI's citation on the deposit page).
format_citation = citations.format_citation


@require_safe
@vary_on_headers("Accept")
def doi_resolve(request, doi: str):
    """A record's DOI to its landing page (or tombstone); a concept DOI to its latest version. With
    an `Accept` of one of the export formats, that format of the record (of the latest version
    for a concept DOI) is the answer, as DOI content negotiation gives it; 406 when the client
    accepts neither HTML nor any of them."""
    negotiated = negotiate(request)
    if negotiated is None:
        return not_acceptable()
    fmt, params = negotiated
    try:
        record = selectors.record_by_doi(doi)
    except NotFound:
        try:
            concept = selectors.concept_by_doi(doi)
        except NotFound:
            raise Http404("This DOI is not (or not yet) published here.") from None
        if fmt == HTML:
            return concept_resolve(request, concept.pk)
        latest = selectors.concept_latest(concept)
        if latest is None:
            raise Http404("No such dataset.") from None
        record = latest
    if fmt == HTML:
        return HttpResponseRedirect(record.get_absolute_url())
    response = _export_response(request, _record_or_404(record.pk), fmt, attachment=False, params=params)
    response["Content-Location"] = reverse("repository:export", kwargs={"pk": record.pk, "fmt": fmt})
    return response


@require_safe
def concept_resolve(request, pk: int):
    """A concept (all versions of a dataset) resolves to its latest version: never cached, since
    the next version changes the answer."""
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


def download_allowed(*, record_file, user) -> bool:
    """Whether `user` (possibly anonymous) may download this file, for both the S3 redirect and the
    local stream: `files_allowed` of its record."""
    return files_allowed(record=record_file.record, user=user)


def files_allowed(*, record, user) -> bool:
    """Whether `user` (possibly anonymous) may download the record's files, one by one or all at once
    (the ZIP, the checksum manifest, the URL list). A withdrawn record's files are served to nobody;
    an embargoed record's only to those deposit.policy.may_see_embargoed_files names (asked through
    repository.hooks), until the embargo's day (from that day on they are open, even before the
    daily task runs)."""
    if record.is_withdrawn:
        return False
    if record.embargoed_on(timezone.now().date()):
        return hooks.may("see_embargoed_files", record, user)
    return True


def download_refused(request, *, record, several: bool = False) -> HttpResponse:
    """The answer when `files_allowed` says no: 410 Gone for a withdrawn record; for an embargo,
    the site's 403 page with the opening day and a link back to the record (a reader who opens a
    file's address lands on a page, not on bare text). `several`: all the files were asked for."""
    if record.is_withdrawn:
        return HttpResponse(
            _("This record was withdrawn; its files are no longer available."),
            status=410,
            content_type="text/plain; charset=utf-8",
        )
    date = date_format(record.embargo_until, "DATE_FORMAT")
    if several:
        message = _("The files are under embargo until %(date)s; they open on that day.") % {"date": date}
    else:
        message = _("This file is under embargo until %(date)s.") % {"date": date}
    context = {"exception": message, "record": record}
    return HttpResponseForbidden(render_to_string("403.html", context, request))


def content_disposition(name: str) -> str:
    """`attachment` with the original name (RFC 6266): `filename*` in UTF-8 for every client that
    reads it, and an ASCII `filename` for those that do not. A file in folders is saved under its own
    name: a browser saves a file, not a path (and would turn each `/` into `_`)."""
    name = base_name(name)
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = re.sub(r'[^\x20-\x7e]|["\\%]', "_", fallback).strip() or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(header: str, size: int) -> tuple[int, int] | bool | None:
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


def _record_file(pk: int, name: str):
    """(record, its file named `name` or None): two queries, whatever the number of its files."""
    try:
        record = selectors.record_get(pk, files=False)
    except NotFound:
        raise Http404("No such record.") from None
    return record, record.files.filter(name=name).first()


@require_safe
def file_download(request, pk: int, name: str):
    """S3: a redirect to a presigned GET (short expiry) that S3 serves with `Content-Disposition:
    attachment` and the original name. Local: the bytes, with HTTP Range support. Each download
    is counted once: a ranged request counts only when it starts at the first byte."""
    record, file = _record_file(pk, name)
    if file is None:
        raise Http404("No such file.")
    if not download_allowed(record_file=file, user=request.user):
        return download_refused(request, record=record)
    return stored_file_response(
        request,
        storage_key=file.storage_key,
        name=file.name,
        size=file.size,
        sha256=file.sha256,
        on_download=lambda: _count_download(request, file),
        link=_collection_link(record),
    )


def stored_file_response(
    request, *, storage_key: str, name: str, size: int, sha256: str, on_download, link: str = ""
) -> HttpResponse:
    """A stored file as a download, for whoever the caller let through. S3: a redirect to a
    presigned GET (short expiry) that S3 serves with `Content-Disposition: attachment` and the
    original name. Local: the bytes, with HTTP Range support. `on_download()` is called once per
    download: for a GET, when the redirect is given or a transfer starts at the first byte (a
    resumed download is the same one). `link`: a `Link` header to send with it."""
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    disposition = content_disposition(name)
    store = get_store()
    url = store.download_url(storage_key, content_disposition=disposition, content_type=content_type)
    if url is not None:
        if request.method == "GET":
            on_download()
        response = HttpResponseRedirect(url)
        response["Cache-Control"] = "no-store"  # the URL expires; never cache the redirect
        if link:
            response["Link"] = link
        return response

    etag = f'"{sha256}"'
    wanted = request.headers.get("Range", "")
    if_range = request.headers.get("If-Range")
    if if_range is not None and if_range != etag:
        wanted = ""  # the client's copy is of other bytes: send them all
    span = _byte_range(wanted, size)
    if span is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    first, last = span if span else (0, size - 1)
    length = max(0, last - first + 1)
    if request.method == "GET" and first == 0:
        on_download()
    if request.method == "HEAD":
        response = HttpResponse(status=206 if span else 200)
    else:
        response = StreamingHttpResponse(_Span(store.open(storage_key), first, length), status=206 if span else 200)
    response["Content-Type"] = content_type
    response["Content-Length"] = str(length)
    response["Content-Disposition"] = disposition
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Digest"] = f"sha-256={sha256}"
    if span:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    if link:
        response["Link"] = link
    return response


def _all_files(request, pk: int):
    """(record, folder, members) of a request for all the record's files (or a folder's, with
    `?folder=`), or the answer refusing it: 404 for no such record, 410 / 403 as for one file
    (`download_refused`), 400 for a folder that no file name could have. The files are read in one
    query as tuples, whatever their number; `members` is an iterator over them."""
    try:
        record = selectors.record_get(pk, files=False)
    except NotFound:
        raise Http404("No such record.") from None
    if not files_allowed(record=record, user=request.user):
        return download_refused(request, record=record, several=True)
    folder = ""
    if "folder" in request.GET:
        try:
            folder = archive.folder_clean(request.GET["folder"])
        except archive.BadFolder as exc:
            return HttpResponseBadRequest(f"{exc}\n", content_type="text/plain; charset=utf-8")
    rows = selectors.record_files_values(record, folder=folder).iterator(chunk_size=2000)
    return record, folder, (archive.Member(*row) for row in rows)


def _nothing_to_list(folder: str) -> Http404:
    return Http404("No file in this folder." if folder else "This record has no files.")


@require_safe
def files_zip(request, pk: int):
    """Download all: the record's files (or a folder's) in one ZIP, made while it is sent
    (`repository.archive`), its length known before the first byte, with no ranges (a ZIP made
    again is the same files, not the same bytes: its dates are the day's). Counted as one download
    of the record, once per transfer (never per file, nor in each file's own count)."""
    answer = _all_files(request, pk)
    if isinstance(answer, HttpResponse):
        return answer
    record, folder, members = answer
    stream = archive.zip_stream(members, store=get_store())
    if not stream:
        raise _nothing_to_list(folder)
    if request.method == "HEAD":
        response = HttpResponse(b"")
    else:
        response = StreamingHttpResponse(archive.logged(stream, record_id=record.pk, folder=folder))
        usage.count_archive_download(request, record_id=record.pk, folder=folder)
    name = f"estran-{record.pk}-{folder.replace('/', '-')}.zip" if folder else f"estran-{record.pk}.zip"
    response["Content-Type"] = "application/zip"
    response["Content-Length"] = str(len(stream))
    response["Content-Disposition"] = content_disposition(name)
    response["Accept-Ranges"] = "none"
    response["Link"] = _collection_link(record)
    return response


@require_safe
def files_manifest(request, pk: int):
    """The BagIt payload manifest of the record's files (or a folder's): `<SHA-256>  data/<name>` a
    line, from the checksums verified at upload (nothing is read again). Put beside the files
    unpacked under `data/`, it is a bag's `manifest-sha256.txt`; `sha256sum -c` reads it too, from
    the folder holding `data/`."""
    answer = _all_files(request, pk)
    if isinstance(answer, HttpResponse):
        return answer
    record, folder, members = answer
    body = "".join(archive.manifest_line(member) for member in members)
    if not body:
        raise _nothing_to_list(folder)
    return _files_list_response(request, record, body)


@require_safe
def files_urls(request, pk: int):
    """The download URL of each of the record's files (or a folder's), one a line, for `wget -i` or
    `curl`: each is the file's own download, refused, redirected and counted as from the page."""
    answer = _all_files(request, pk)
    if isinstance(answer, HttpResponse):
        return answer
    record, folder, members = answer
    # The files' URL prefix, reversed once rather than for each of ten thousand files.
    files_url = settings.SITE_URL + reverse("repository:file-download", kwargs={"pk": record.pk, "name": "-"})[:-1]
    body = "".join(archive.url_line(member, files_url=files_url) for member in members)
    if not body:
        raise _nothing_to_list(folder)
    return _files_list_response(request, record, body)


def _files_list_response(request, record, body: str) -> HttpResponse:
    response = HttpResponse(body if request.method == "GET" else b"", content_type="text/plain; charset=utf-8")
    response["Content-Length"] = str(len(body.encode()))
    response["Link"] = _collection_link(record, "describes")  # the linkset's `describedby`
    response["X-Robots-Tag"] = "noindex"  # the record's page is what search engines should show
    return response


@require_safe
def file_preview(request, pk: int, name: str):
    """A published file's stored preview (first rows, first lines, a NetCDF header): an HTML fragment
    that landing.js loads when the reader opens it on the landing page (`?fragment=1`), else a page of
    its own (the link offered without script). Refused as the download is (`download_allowed`): 410
    for a withdrawn record, 403 under embargo except for those who may download the files. The
    preview is read as the worker stored it, never computed in the request; none stored: the
    answer says there is none."""
    record, file = _record_file(pk, name)
    if file is None or not hooks.file_previewable(file.name):
        raise Http404("No preview of such a file.")
    allowed = download_allowed(record_file=file, user=request.user)
    if allowed:
        status, refusal = 200, ""
    elif record.is_withdrawn:
        status, refusal = 410, _("This record was withdrawn; its files are no longer available.")
    else:
        status = 403
        refusal = _("This file is under embargo until %(date)s.") % {
            "date": date_format(record.embargo_until, "DATE_FORMAT")
        }
    context = {
        "record": record,
        "file": file,
        "preview": hooks.file_preview(file) if allowed else None,
        "refusal": refusal,
        "public": True,
    }
    template = "repository/_file_preview_fragment.html" if "fragment" in request.GET else "repository/file_preview.html"
    response = HttpResponse(render_to_string(template, context, request), status=status)
    response["X-Robots-Tag"] = "noindex"  # the record's page is what search engines should show
    response["Link"] = _collection_link(record)
    return response


def _count_download(request, file) -> None:
    """`download_count` is every transfer started (operators' figure); the landing page's count is
    COUNTER's (no robots, no double clicks)."""
    services.record_file_count_download(record_file=file)
    usage.count_download(request, record_id=file.record_id, file_id=file.pk)


def _collection_link(record, rel: str = "collection") -> str:
    """Signposting from a file (`collection`) or a description of the files (`describes`: the
    manifest, the URL list) back to its landing page, and to the linkset."""
    return signposting.part_links(record.landing_url, rel, landing_page.linkset_url(record))


def _datacite_xml(page: LandingRecord, **_params) -> bytes:
    record = page.record
    sizes, formats = file_summary.datacite_sizes_formats(record)
    return to_datacite_xml(
        page.document, doi=record.doi, publication_year=record.publication_date.year, sizes=sizes, formats=formats
    )


def _datacite_json(page: LandingRecord, **_params) -> bytes:
    return to_datacite_json(_datacite_xml(page), url=page.record.landing_url)


def _iso19115_3_xml(page: LandingRecord, **_params) -> bytes:
    return to_iso19115_3_xml(page.document, resource=IsoResource.from_record(page.record, history=page.history))


def _schemaorg(page: LandingRecord, **_params) -> bytes:
    return to_jsonld(page.schemaorg())


def _prov_jsonld(page: LandingRecord, **_params) -> bytes:
    return prov.to_jsonld_bytes(prov.to_prov_jsonld(page.provenance()))


def _prov_turtle(page: LandingRecord, **_params) -> bytes:
    return prov.to_turtle(page.provenance())


def _csl_json(page: LandingRecord, **_params) -> bytes:
    return citations.to_csl_json(page.csl)


def _bibtex(page: LandingRecord, **_params) -> bytes:
    return citations.to_bibtex(page.csl, rights=[r.title for r in page.metadata.rights]).encode()


def _ris(page: LandingRecord, **_params) -> bytes:
    return citations.to_ris(page.csl, date=page.record.publication_date.isoformat()).encode()


def _bibliography(page: LandingRecord, *, style: str | None = None, locale: str | None = None, **_params) -> bytes:
    text = citations.format_bibliography(
        page.csl, style=style or citations.DEFAULT_STYLE, locale=locale, version_number=page.record.version
    )
    return (text + "\n").encode()


def _linkset(page: LandingRecord, **_params) -> bytes:
    record = page.record
    links = page.links(_describedby(record), every_file=True) + page.archive_links()
    data = signposting.linkset(record.landing_url, links)
    return json.dumps(data, indent=2).encode()


# format: (media type, file extension, serializer of the record's `LandingRecord`, which gives the
# exported document, its files, its CSL item…; keyword parameters are the client's: `style` and
# `locale` of a formatted citation). The ISO 19115-3 media type is the one OGC API - Records,
# OpenSearch-EO and GeoNetwork use for ISO 19115-3 XML; the others are DOI content negotiation's.
EXPORTS = {
    "datacite-xml": ("application/vnd.datacite.datacite+xml", "xml", _datacite_xml),
    "datacite-json": ("application/vnd.datacite.datacite+json", "json", _datacite_json),
    "iso19115-3": ("application/vnd.iso.19115-3+xml", "xml", _iso19115_3_xml),
    "schemaorg": ("application/ld+json", "jsonld", _schemaorg),
    "prov": ("application/ld+json", "jsonld", _prov_jsonld),
    "prov-turtle": ("text/turtle", "ttl", _prov_turtle),
    "bibtex": ("application/x-bibtex", "bib", _bibtex),
    "ris": ("application/x-research-info-systems", "ris", _ris),
    "csl-json": ("application/vnd.citationstyles.csl+json", "json", _csl_json),
    "citation": ("text/x-bibliography", "txt", _bibliography),
    "linkset": ("application/linkset+json", "json", _linkset),
}
# The format behind a media type that several formats share (JSON-LD: schema.org's or PROV-O's), the
# Signposting `profile` of its `describedby` and what a client's `Accept` names to choose it; PROV's
# Turtle has one too (text/turtle says RDF, not which vocabulary).
PROFILES = {"schemaorg": "https://schema.org/", "prov": prov.PROFILE, "prov-turtle": prov.PROFILE}
# An export at one URL in several serializations, the one `Accept` prefers (the first by default).
EXPORT_VARIANTS = {"prov": ("prov", "prov-turtle")}
# Formats offered on the landing page (label, format); `describedby` in Signposting.
METADATA_EXPORTS = (
    ("DataCite XML", "datacite-xml"),
    ("DataCite JSON", "datacite-json"),
    ("schema.org JSON-LD", "schemaorg"),
    ("ISO 19115-3", "iso19115-3"),
    (gettext_lazy("Provenance, PROV-O JSON-LD"), "prov"),
    (gettext_lazy("Provenance, PROV-O Turtle"), "prov-turtle"),
)
CITATION_EXPORTS = (("BibTeX", "bibtex"), ("RIS", "ris"), ("CSL-JSON", "csl-json"))
DESCRIBEDBY = [fmt for _label, fmt in METADATA_EXPORTS + CITATION_EXPORTS]
HTML = "html"
# Media types answered with the landing page: a browser's, and what `*/*` and `text/*` mean here.
HTML_TYPES = ("text/html", "application/xhtml+xml")
_EXPORT_TYPES = tuple(dict.fromkeys(media_type for media_type, _ext, _ser in EXPORTS.values()))


def _content_type(fmt: str) -> str:
    """An export's media type, with its profile when a format before it has that media type (PROV's
    JSON-LD: plain `application/ld+json` stays schema.org's)."""
    media_type = EXPORTS[fmt][0]
    first = next(f for f, (other, _ext, _ser) in EXPORTS.items() if other == media_type)
    return media_type if first == fmt else f'{media_type}; profile="{PROFILES[fmt]}"'


def _export_response(
    request, record, fmt: str, *, attachment: bool, params: dict | None = None, negotiated: bool = True
) -> HttpResponse:
    _media_type, extension, serialize = EXPORTS[fmt]
    params = dict(params or {})
    page = LandingRecord(record)
    options = {}
    if fmt == "citation":
        options = {
            "style": params.get("style") or request.GET.get("style"),
            "locale": params.get("locale") or request.GET.get("locale"),
        }
    try:
        body = serialize(page, **options)
    except citations.UnknownStyle as exc:
        # A style asked for in `Accept` cannot be given (406); one in the query string is a bad
        # parameter (400).
        status = 406 if params.get("style") or params.get("locale") else 400
        return HttpResponse(f"{exc}\n", status=status, content_type="text/plain; charset=utf-8")
    response = HttpResponse(
        body if request.method != "HEAD" else b"", content_type=f"{_content_type(fmt)}; charset=utf-8"
    )
    if attachment:
        response["Content-Disposition"] = f'attachment; filename="estran-{record.pk}-{fmt}.{extension}"'
    response["Link"] = _collection_link(record, "describes")
    if negotiated:
        # Answered at the page's or the DOI's URL, which the DOI identifies; an export at its own
        # URL is a part, and the recipe gives no `cite-as` to parts (repository/signposting.py).
        response["Link"] += f", {signposting.Link(f'https://doi.org/{record.doi}', 'cite-as').header()}"
    response["Access-Control-Allow-Origin"] = "*"  # metadata is public; citation managers fetch it from pages
    return response


@require_safe
def export(request, pk: int, fmt: str):
    record = _record_or_404(pk)
    if fmt not in EXPORTS:
        raise Http404(f"Unknown format; available: {', '.join(EXPORTS)}.")
    variants = EXPORT_VARIANTS.get(fmt)
    chosen = _variant(request, variants) if variants else fmt
    response = _export_response(
        request, record, chosen, attachment=chosen not in ("citation", "linkset"), negotiated=False
    )
    if variants:
        patch_vary_headers(response, ["Accept"])
        response["Content-Location"] = reverse("repository:export", kwargs={"pk": record.pk, "fmt": chosen})
    return response


def _variant(request, variants: tuple[str, ...]) -> str:
    """The serialization of an export that `Accept` prefers, by media type named outright (`*/*` and
    none named: the first)."""
    for accepted in request.accepted_types:
        for fmt in variants:
            main, _slash, sub = EXPORTS[fmt][0].partition("/")
            if (accepted.main_type, accepted.sub_type) == (main, sub):
                return fmt
    return variants[0]


def negotiate(request) -> tuple[str, dict] | None:
    """The representation the `Accept` header prefers: `HTML` or an `EXPORTS` format, with the
    parameters of the accepted media type (`text/x-bibliography; style=apa; locale=fr-FR`); None
    when nothing offered is acceptable (406). A missing header, `*/*` and browsers' headers give the
    page. Parameters never prevent a match, unlike Django's `get_preferred_type`, which would refuse
    `text/x-bibliography; style=apa` for `text/x-bibliography`."""
    header = request.headers.get("Accept", "").strip()
    if not header:
        return HTML, {}
    # A browser's header starts with text/html and names none of the export types: the page,
    # without parsing every media range of it.
    if header.partition(",")[0].strip() == "text/html" and not any(t in header for t in _EXPORT_TYPES):
        return HTML, {}
    offers = [(media_type, HTML) for media_type in HTML_TYPES]
    offers += [(media_type, fmt) for fmt, (media_type, _ext, _ser) in EXPORTS.items()]
    # Django orders them by quality, then specificity; equal ones keep the header's order.
    for accepted in request.accepted_types:
        params = dict(accepted.range_params)
        matching = [
            fmt
            for media_type, fmt in offers
            if accepted.main_type in ("*", media_type.partition("/")[0])
            and accepted.sub_type in ("*", media_type.partition("/")[2])
        ]
        if matching:
            # A profile chooses among the formats of one media type (JSON-LD's `profile` may list
            # several URIs); one no format has (JSON-LD's own, `…json-ld#compacted`) chooses nothing.
            profiles = params.get("profile", "").split()
            profiled = [fmt for fmt in matching if PROFILES.get(fmt) in profiles]
            return (profiled or matching)[0], params
    return None


def supported_media_types() -> list[str]:
    return [*HTML_TYPES, *(_content_type(fmt) for fmt in EXPORTS)]


def not_acceptable() -> HttpResponse:
    """406, with the media types that can be asked for (RFC 9110 § 15.5.7)."""
    lines = ["None of the media types in Accept is available here. Available:", *supported_media_types()]
    response = HttpResponse("\n".join(lines) + "\n", status=406, content_type="text/plain; charset=utf-8")
    response["Vary"] = "Accept"
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
            return JsonResponse(
                {"detail": f"{CHECKSUM_HEADER} is not a base64 SHA-256.", "code": "InvalidDigest"}, status=400
            )
        if signed_sha256 and declared_hex != signed_sha256:
            return JsonResponse(
                {
                    "detail": f"{CHECKSUM_HEADER} is not the checksum this URL was signed for.",
                    "code": "SignatureDoesNotMatch",
                },
                status=403,
            )
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

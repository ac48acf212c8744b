"""Public pages of published records (home, landing page, downloads, exports), the DOI resolver,
and the local store's part-upload endpoint (what a presigned S3 URL is for the `s3` backend)."""
from __future__ import annotations

import mimetypes
from urllib.parse import quote

from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from core.errors import NotFound

from . import selectors, services
from .metadata import MetadataDocument
from .storage import LocalObjectStore, get_store


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
    record = _record_or_404(pk)
    document = MetadataDocument.model_validate(record.metadata)
    return render(
        request,
        "repository/landing.html",
        {"record": record, "document": document, "files": list(record.files.all()), "citation": citation_text(record, document)},
    )


def citation_text(record, document: MetadataDocument) -> str:
    """A DataCite-recommended citation: Creators (Year). Title. Version. Publisher. DOI."""
    names = []
    for c in document.creators:
        if c.family_name:
            initials = " ".join(f"{p[0]}." for p in (c.given_name or "").split() if p)
            names.append(f"{c.family_name}, {initials}".strip().rstrip(","))
        else:
            names.append(c.name)
    creators = "; ".join(names)
    version = f" Version {record.version}." if record.version > 1 else ""
    publisher = document.publisher or "Estran"
    return f"{creators} ({record.publication_date.year}). {document.title}.{version} {publisher}. https://doi.org/{record.doi}"


@require_GET
def doi_resolve(request, doi: str):
    try:
        record = selectors.record_by_doi(doi)
    except NotFound:
        raise Http404("This DOI is not (or not yet) published here.") from None
    return HttpResponseRedirect(record.get_absolute_url())


@require_GET
def file_download(request, pk: int, name: str):
    record = _record_or_404(pk)
    file = next((f for f in record.files.all() if f.name == name), None)
    if file is None:
        raise Http404("No such file.")
    services.record_file_count_download(record_file=file)
    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    response = FileResponse(get_store().open(file.storage_key), content_type=content_type)
    response["Content-Length"] = str(file.size)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(file.name)}"
    response["Digest"] = f"sha-256={file.sha256}"
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
    document = MetadataDocument.model_validate(record.metadata)
    body = to_datacite_xml(document, doi=record.doi, publication_year=record.publication_date.year)
    response = HttpResponse(body, content_type=f"{media_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="estran-{record.pk}-{fmt}.{extension}"'
    return response


@csrf_exempt
@require_http_methods(["PUT", "OPTIONS"])
def upload_part(request, upload_id: str, part_number: int):
    """PUT the bytes of one part; the URL's signature is the authorisation, as with S3."""
    store = get_store()
    if not isinstance(store, LocalObjectStore):
        raise Http404()
    if request.method == "OPTIONS":
        return HttpResponse(status=204)
    signature = request.GET.get("signature", "")
    max_bytes = LocalObjectStore.verify_part_signature(upload_id=upload_id, part_number=part_number, signature=signature)
    if max_bytes is None:
        return JsonResponse({"detail": "This part URL is invalid or has expired."}, status=403)
    too_large = JsonResponse({"detail": f"A part is at most {max_bytes} bytes."}, status=413)
    declared = request.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
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
        etag = store.put_part(upload_id=upload_id, part_number=part_number, stream=chunks())
    except TooLarge:
        return too_large
    except (FileNotFoundError, ValueError):
        return JsonResponse({"detail": "No such upload (completed, aborted or expired)."}, status=404)
    response = HttpResponse(status=200)
    response["ETag"] = f'"{etag}"'
    response["Access-Control-Expose-Headers"] = "ETag"
    return response

"""Object storage behind one small interface: multipart uploads with one URL per part, reads (whole,
a byte range, or a local file for readers that need one), deletes, download URLs and a health
check; nothing outside this module speaks to S3. `local` keeps objects in a folder and hands out
signed URLs to the app's own part endpoint; `s3` hands out presigned S3 URLs, so the bytes go from the
client straight to S3 and never through the web process.

Object keys are generated (`files/<uuid>`), never derived from user input.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SIGNER_SALT = "estran.upload-part"
# The header a client sends with a part whose URL was signed for a SHA-256 (S3's own name, which the
# local part endpoint honours too, so one client works with both backends).
CHECKSUM_HEADER = "x-amz-checksum-sha256"


class StorageError(Exception):
    """The store failed or is unreachable; the operation may be retried."""


class PartsMismatch(Exception):
    """The parts named at completion are not the parts the store holds."""


class ChecksumMismatch(Exception):
    """A part's bytes do not have the SHA-256 its URL was signed for (S3 answers BadDigest)."""


class ObjectTooLarge(Exception):
    """The object holds more bytes than the caller would have copied (`local_copy`'s `max_bytes`)."""


@dataclass(frozen=True)
class StoredPart:
    part_number: int
    etag: str
    size: int
    last_modified: datetime | None = None
    # The part's SHA-256 (base64) where the store keeps one: S3 lists it for the parts of an upload
    # created with the SHA-256 algorithm (moto does not).
    sha256: str = ""


@dataclass(frozen=True)
class PendingUpload:
    """A multipart upload the store holds, finished or not by anyone: what the abandoned-upload
    sweep looks at."""

    key: str
    upload_id: str
    initiated: datetime


def sha256_hex_and_b64(value: str) -> tuple[str, str]:
    """A SHA-256 given as 64 hex characters or as base64 (S3's form): (hex, base64).
    Raises ValueError for anything else."""
    value = (value or "").strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", value):
        raw = bytes.fromhex(value)
    else:
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise ValueError("not a SHA-256")
    return raw.hex(), base64.b64encode(raw).decode()


def new_object_key() -> str:
    return f"files/{uuid.uuid4().hex}"


def multipart_etag(etags: list[str]) -> str:
    """The ETag S3 gives an object assembled from parts with these ETags (in part order): the MD5 of
    their MD5s, a dash and their count. How a completion sent again recognises its own object."""
    digests = b"".join(bytes.fromhex(etag.strip('"')) for etag in etags)
    return f"{hashlib.md5(digests).hexdigest()}-{len(etags)}"


class ObjectStore:
    name = ""

    def create_multipart_upload(self, *, key: str, part_sha256: bool = False) -> str:
        """Start a multipart upload; its id. `part_sha256`: every part will be sent with its SHA-256
        (through `part_url(sha256=…)` or `put_part(sha256=…)`), and the store may keep the object's
        composite checksum from them. An upload is one or the other for all its parts: S3 refuses a
        part without a checksum in an upload created with an algorithm, and one with a checksum in an
        upload created without."""
        raise NotImplementedError

    def part_url(self, *, key: str, upload_id: str, part_number: int, max_bytes: int, sha256: str = "") -> str:
        """A URL that accepts one PUT of this part, with no other credential. `max_bytes` bounds the
        part (services pass each part's exact length; S3 signs it as the Content-Length). With
        `sha256` (hex), the URL is signed for that checksum: the client sends it base64-encoded in
        the `x-amz-checksum-sha256` header and the store refuses bytes that do not match."""
        raise NotImplementedError

    def put_part(
        self, *, key: str = "", upload_id: str, part_number: int, stream: Iterator[bytes], sha256: str = ""
    ) -> str:
        """Store one part from the server side (what S3 does for a PUT to a presigned part URL);
        returns its ETag, the MD5 of its bytes. With `sha256` (hex), bytes of another SHA-256 are
        refused and nothing is stored (ChecksumMismatch; S3's BadDigest). The local store files
        parts by `upload_id` alone (its part endpoint knows no key); S3 needs the `key` too."""
        raise NotImplementedError

    def list_multipart_uploads(self) -> Iterator[PendingUpload]:
        """Every unfinished multipart upload the store holds (ours or not)."""
        raise NotImplementedError

    def download_url(self, key: str, *, content_disposition: str, content_type: str) -> str | None:
        """A short-lived URL that serves the object with these headers, or None when the app must
        stream it itself (local storage)."""
        return None

    def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        raise NotImplementedError

    def complete_multipart_upload(self, *, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        """Assemble the parts into the object. Idempotent: when the upload is already complete and
        the object is there (a completion whose answer, or whose database commit, was lost; or one
        racing this one), it returns as if it had done it."""
        raise NotImplementedError

    def abort_multipart_upload(self, *, key: str, upload_id: str) -> None:
        raise NotImplementedError

    @staticmethod
    def _check_parts(stored: dict[int, StoredPart], parts: list[tuple[int, str]]) -> None:
        """Raise PartsMismatch naming the first part named at completion that the store does not
        hold with that ETag, so that the client hears which part is wrong."""
        for number, etag in parts:
            part = stored.get(number)
            if part is None:
                raise PartsMismatch(f"Part {number} was never uploaded.")
            if part.etag != etag.strip('"'):
                raise PartsMismatch(f"Part {number} has ETag {part.etag}, not {etag}.")

    def put_object(self, *, key: str, data: bytes) -> None:
        """Store a small object whole, in one request where the store has one (a preservation
        bag's metadata files: a multipart upload is three requests for a few kilobytes). The bytes
        are checked on arrival against their SHA-256 where the store can."""
        upload_id = self.create_multipart_upload(key=key)
        try:
            etag = self.put_part(key=key, upload_id=upload_id, part_number=1, stream=iter([data]))
            self.complete_multipart_upload(key=key, upload_id=upload_id, parts=[(1, etag)])
        except BaseException:
            self.abort_multipart_upload(key=key, upload_id=upload_id)
            raise

    def open(self, key: str) -> BinaryIO:
        raise NotImplementedError

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """At most `length` bytes of the object from byte `start` (fewer at its end, none past it),
        without reading the rest of it. FileNotFoundError if there is no such object."""
        raise NotImplementedError

    @contextmanager
    def local_copy(self, key: str, *, max_bytes: int | None = None) -> Iterator[str]:
        """The path of a local file holding the object's bytes, for readers that need a real file
        (the NetCDF library seeks all over it), valid inside the `with`. The object is copied to a
        temporary file, deleted on leaving; a store whose objects are local files yields the
        object's own file instead, whatever its size. A copy of more than `max_bytes` is refused
        with ObjectTooLarge, before any byte is read (from the object's size) and while copying
        (the bytes served may not be the size said). FileNotFoundError if there is no such object;
        StorageError if the store fails, before or during the copy."""
        if max_bytes is not None and self.size(key) > max_bytes:
            raise ObjectTooLarge(f"{key} is larger than {max_bytes} bytes.")
        with tempfile.TemporaryDirectory(prefix="estran-object-") as folder:
            path = os.path.join(folder, "object")
            self._copy(key, path, max_bytes=max_bytes)
            yield path

    def _copy(self, key: str, path: str, *, max_bytes: int | None) -> None:
        stream = self.open(key)  # FileNotFoundError: no such object (an OSError, not a failure)
        copied = 0
        try:
            with closing(stream), open(path, "wb") as out:
                while chunk := stream.read(8 * 1024 * 1024):
                    copied += len(chunk)
                    if max_bytes is not None and copied > max_bytes:
                        raise ObjectTooLarge(f"{key} is larger than {max_bytes} bytes.")
                    out.write(chunk)
        except OSError as exc:  # a connection lost mid-read, a full disk: try again later
            raise StorageError(f"Copying {key} failed: {exc}") from exc

    def size(self, key: str) -> int:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def check(self) -> None:
        """Raise StorageError, saying what is wrong, if the store cannot be written."""
        raise NotImplementedError

    def checksums(self, key: str, chunk_size: int = 1024 * 1024) -> tuple[str, str, int]:
        """Stream the object once: (md5, sha256, size)."""
        md5, sha256, size = hashlib.md5(), hashlib.sha256(), 0
        with self.open(key) as fh:
            for chunk in iter(lambda: fh.read(chunk_size), b""):
                md5.update(chunk)
                sha256.update(chunk)
                size += len(chunk)
        return md5.hexdigest(), sha256.hexdigest(), size


class LocalObjectStore(ObjectStore):
    """Objects under LOCAL_STORAGE_ROOT; parts of unfinished uploads under `uploads/<upload_id>/`."""

    name = "local"

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root or settings.LOCAL_STORAGE_ROOT)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("Object key escapes the storage root.")
        return path

    def _upload_dir(self, upload_id: str) -> Path:
        if not upload_id.isalnum():
            raise ValueError("Malformed upload id.")
        return self.root / "uploads" / upload_id

    def create_multipart_upload(self, *, key: str, part_sha256: bool = False) -> str:
        # Each part signed with a SHA-256 is verified by the part endpoint; no composite is kept.
        upload_id = uuid.uuid4().hex
        self._upload_dir(upload_id).mkdir(parents=True, exist_ok=True)
        return upload_id

    def part_url(self, *, key: str, upload_id: str, part_number: int, max_bytes: int, sha256: str = "") -> str:
        value = f"{upload_id}:{part_number}:{max_bytes}" + (f":{sha256}" if sha256 else "")
        token = signing.TimestampSigner(salt=_SIGNER_SALT).sign(value)
        path = reverse("repository:upload-part", kwargs={"upload_id": upload_id, "part_number": part_number})
        return f"{settings.SITE_URL}{path}?signature={token}"

    @staticmethod
    def verify_part_url(*, upload_id: str, part_number: int, signature: str) -> tuple[int, str] | None:
        """(the most bytes the signed URL accepts, the SHA-256 it was signed for or ""), or None if
        the signature is bad or expired."""
        try:
            value = signing.TimestampSigner(salt=_SIGNER_SALT).unsign(
                signature, max_age=settings.UPLOAD_PART_URL_TTL_SECONDS
            )
        except signing.BadSignature:
            return None
        signed_upload, signed_part, max_bytes, *rest = value.split(":") + [""] * (3 - value.count(":"))
        if signed_upload != upload_id or signed_part != str(part_number) or not max_bytes.isdigit():
            return None
        return int(max_bytes), (rest[0] if rest else "")

    @classmethod
    def verify_part_signature(cls, *, upload_id: str, part_number: int, signature: str) -> int | None:
        """The most bytes the signed URL accepts, or None if the signature is bad or expired."""
        grant = cls.verify_part_url(upload_id=upload_id, part_number=part_number, signature=signature)
        return grant[0] if grant else None

    def put_part(
        self, *, key: str = "", upload_id: str, part_number: int, stream: Iterator[bytes], sha256: str = ""
    ) -> str:
        directory = self._upload_dir(upload_id)
        if not directory.is_dir():
            raise FileNotFoundError(upload_id)
        md5, digest = hashlib.md5(), hashlib.sha256()
        tmp = directory / f"{part_number}.tmp-{uuid.uuid4().hex}"
        try:
            with open(tmp, "wb") as fh:
                for chunk in stream:
                    md5.update(chunk)
                    digest.update(chunk)
                    fh.write(chunk)
            if sha256 and digest.hexdigest() != sha256.lower():
                raise ChecksumMismatch(f"Part {part_number} does not have the SHA-256 it was signed for.")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        etag = md5.hexdigest()
        os.replace(tmp, directory / f"{part_number:05d}.{etag}")
        for stale in directory.glob(f"{part_number:05d}.*"):
            if stale.name != f"{part_number:05d}.{etag}":
                stale.unlink(missing_ok=True)
        return etag

    def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        directory = self._upload_dir(upload_id)
        if not directory.is_dir():
            raise FileNotFoundError(upload_id)
        parts = []
        for path in sorted(directory.iterdir()):
            number, _, etag = path.name.partition(".")
            if number.isdigit() and "tmp-" not in etag:
                stat = path.stat()
                modified = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
                parts.append(StoredPart(int(number), etag, stat.st_size, modified))
        return parts

    def list_multipart_uploads(self) -> Iterator[PendingUpload]:
        uploads = self.root / "uploads"
        if not uploads.is_dir():
            return
        for directory in uploads.iterdir():
            if directory.is_dir() and directory.name.isalnum():
                # the folder's own time is its creation's, or its last part's: both mean "alive"
                initiated = datetime.fromtimestamp(directory.stat().st_mtime, tz=UTC)
                yield PendingUpload(key="", upload_id=directory.name, initiated=initiated)

    def complete_multipart_upload(self, *, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        # The parts' folder goes (renamed away at once, then deleted) only once the assembled object
        # has replaced the target: no folder and an object there means this upload was completed,
        # possibly by a racing completion while this one was reading the folder.
        target, directory = self._path(key), self._upload_dir(upload_id)

        def completed_meanwhile() -> bool:
            return not directory.is_dir() and target.is_file()

        try:
            stored = {p.part_number: p for p in self.list_parts(key=key, upload_id=upload_id)}
        except FileNotFoundError:
            if target.is_file():
                return
            raise
        try:
            self._check_parts(stored, parts)
        except PartsMismatch:
            if completed_meanwhile():
                return
            raise
        target.parent.mkdir(parents=True, exist_ok=True)
        # A name of its own: two completions racing each assemble a whole copy, never one file.
        tmp = target.with_name(f"{target.name}.assembling-{uuid.uuid4().hex}")
        try:
            with open(tmp, "wb") as out:
                for number, _etag in parts:
                    with open(directory / f"{number:05d}.{stored[number].etag}", "rb") as fh:
                        shutil.copyfileobj(fh, out, 1024 * 1024)
            os.replace(tmp, target)
        except FileNotFoundError:
            tmp.unlink(missing_ok=True)
            if completed_meanwhile():
                return
            raise
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        # Renamed away first, so that the folder's absence says "completed" at once, even to a
        # racing completion that read it while its files were being deleted. (The new name is not
        # alphanumeric: list_multipart_uploads does not take it for an upload.)
        gone = directory.with_name(f"{directory.name}.done-{uuid.uuid4().hex}")
        try:
            os.rename(directory, gone)
        except FileNotFoundError:
            return  # a racing completion got there first
        shutil.rmtree(gone, ignore_errors=True)

    def abort_multipart_upload(self, *, key: str, upload_id: str) -> None:
        shutil.rmtree(self._upload_dir(upload_id), ignore_errors=True)

    def put_object(self, *, key: str, data: bytes) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"{target.name}.writing-{uuid.uuid4().hex}")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)  # whole or not at all
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

    def read_range(self, key: str, start: int, length: int) -> bytes:
        with open(self._path(key), "rb") as fh:
            fh.seek(start)
            return fh.read(max(0, length))

    @contextmanager
    def local_copy(self, key: str, *, max_bytes: int | None = None) -> Iterator[str]:
        """The object's own file, read in place whatever its size: nothing is copied."""
        path = self._path(key)
        if not path.is_file():
            raise FileNotFoundError(key)
        yield str(path)

    def size(self, key: str) -> int:
        return self._path(key).stat().st_size

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            probe = self.root / f".healthz-{uuid.uuid4().hex}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            raise StorageError(str(exc)) from exc


# --- S3 -----------------------------------------------------------------------------------------
#
# Plain boto3 rather than django-storages: django-storages' S3Storage saves and opens whole objects
# and presigns GETs, but has nothing for what this store is mostly about (a multipart upload driven
# part by part, one presigned UploadPart URL per part, ListParts, ListMultipartUploads). Going
# through both would mean two clients and two sets of settings for one bucket.

# S3 error codes and what they mean here.
_MISSING = {"NoSuchUpload", "NoSuchKey", "404", "NotFound"}
_BAD_PARTS = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall"}


class _NothingInRange(Exception):
    """S3's InvalidRange: the range asked for starts past the object's end (any range of an empty
    object)."""


@functools.lru_cache(maxsize=8)
def _s3_client(endpoint_url, region, access_key, secret_key, addressing_style, connect_timeout, read_timeout, attempts):
    import boto3  # noqa: PLC0415 - lazily: boto3 takes a while to load, and the local store never needs it
    from botocore.config import Config  # noqa: PLC0415 - with boto3

    config = Config(
        signature_version="s3v4",  # SigV4 presigned URLs, as real S3 requires
        region_name=region,
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
        # "standard" retries throttling, 5xx and connection errors with backoff, `attempts` in all
        retries={"mode": "standard", "total_max_attempts": attempts},
        s3={"addressing_style": addressing_style},
        # Send a checksum only where the API requires one: S3-compatible stores (MinIO, Ceph,
        # moto) do not all take the aws-chunked trailers that "when_supported" adds. Estran
        # verifies every object itself after completion.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        max_pool_connections=20,
    )
    # A session of its own: creating clients from boto3's default session is not thread-safe.
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url or None,
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        config=config,
    )


def _quoted(etag: str) -> str:
    return '"' + etag.strip('"') + '"'


class S3ObjectStore(ObjectStore):
    """Objects in one bucket of any S3 API (AWS, MinIO, Ceph…), configured by the S3_* settings.
    Each part URL is a presigned UploadPart URL: the client PUTs its bytes to S3 directly."""

    name = "s3"
    page_size = 1000  # ListParts' own maximum; a file has up to 10,000 parts

    def __init__(self, *, bucket: str | None = None, client=None):
        self.bucket = bucket or settings.S3_BUCKET
        style = settings.S3_ADDRESSING_STYLE
        if style == "auto":
            # MinIO, Ceph and local servers are reached by path; AWS by virtual host
            style = "path" if settings.S3_ENDPOINT_URL else "virtual"
        self._client_args = (
            settings.S3_ENDPOINT_URL,
            settings.S3_REGION,
            settings.S3_ACCESS_KEY_ID,
            settings.S3_SECRET_ACCESS_KEY,
            style,
            settings.S3_CONNECT_TIMEOUT,
            settings.S3_READ_TIMEOUT,
        )
        self.client = client or _s3_client(*self._client_args, settings.S3_MAX_ATTEMPTS)

    @contextmanager
    def _errors(self, what: str):
        """Turn boto's errors into the store's: a missing object or upload → FileNotFoundError,
        parts S3 will not assemble → PartsMismatch, anything else (unreachable, 5xx after
        retries, refused credentials, no bucket) → StorageError, which callers may retry."""
        from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415 - with boto3, only S3 needs it

        try:
            yield
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", ""))
            message = error.get("Message") or code
            if code == "NoSuchBucket":
                raise StorageError(self._no_bucket()) from exc
            if code in _MISSING:
                raise FileNotFoundError(f"{what}: {code}") from exc
            if code in _BAD_PARTS:
                raise PartsMismatch(message) from exc
            if code == "InvalidRange":
                raise _NothingInRange(message) from exc
            raise StorageError(f"S3 {what} failed: {code} {message}") from exc
        except BotoCoreError as exc:
            raise StorageError(f"S3 {what} failed: {exc}") from exc

    def _no_bucket(self) -> str:
        return (
            f"The bucket “{self.bucket}” does not exist at {settings.S3_ENDPOINT_URL or 'AWS S3'}; "
            "create it with `manage.py estran_storage --create-bucket`."
        )

    # --- uploads ---

    def create_multipart_upload(self, *, key: str, part_sha256: bool = False) -> str:
        # With the SHA-256 algorithm, S3 keeps the parts' SHA-256s and the object's composite
        # checksum (the SHA-256 of the parts' SHA-256s, "-N"); the completion names each part's.
        extra = {"ChecksumAlgorithm": "SHA256"} if part_sha256 else {}
        with self._errors("CreateMultipartUpload"):
            return self.client.create_multipart_upload(Bucket=self.bucket, Key=key, **extra)["UploadId"]

    def part_url(self, *, key: str, upload_id: str, part_number: int, max_bytes: int, sha256: str = "") -> str:
        params = {
            "Bucket": self.bucket,
            "Key": key,
            "UploadId": upload_id,
            "PartNumber": part_number,
            # Signed, so S3 takes exactly this many bytes (a presigned PUT has no "at most").
            "ContentLength": max_bytes,
        }
        if sha256:
            # Signed as a header, so S3 verifies the bytes against it (400 BadDigest otherwise).
            # Presigning only ChecksumAlgorithm="SHA256" is not enough: S3 refuses an
            # x-amz-checksum-* header that is not signed, and ignores one hoisted into the query.
            params["ChecksumSHA256"] = sha256_hex_and_b64(sha256)[1]
        with self._errors("presign UploadPart"):
            return self.client.generate_presigned_url(
                "upload_part", Params=params, ExpiresIn=settings.UPLOAD_PART_URL_TTL_SECONDS
            )

    def put_part(
        self, *, key: str = "", upload_id: str, part_number: int, stream: Iterator[bytes], sha256: str = ""
    ) -> str:
        body = b"".join(stream)  # one part, at most the part size
        extra = {"ChecksumSHA256": sha256_hex_and_b64(sha256)[1]} if sha256 else {}
        with self._errors("UploadPart"):
            answer = self.client.upload_part(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PartNumber=part_number, Body=body, **extra
            )
        return answer["ETag"].strip('"')

    def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        parts = []
        with self._errors("ListParts"):
            for page in self.client.get_paginator("list_parts").paginate(
                Bucket=self.bucket, Key=key, UploadId=upload_id, PaginationConfig={"PageSize": self.page_size}
            ):
                parts += [
                    StoredPart(
                        p["PartNumber"],
                        p["ETag"].strip('"'),
                        p["Size"],
                        p.get("LastModified"),
                        p.get("ChecksumSHA256", ""),
                    )
                    for p in page.get("Parts", [])
                ]
        return sorted(parts, key=lambda p: p.part_number)

    def _assembled_from(self, key: str, parts: list[tuple[int, str]]) -> bool:
        """Whether the object exists, assembled from these parts. A completed upload is gone from S3
        (NoSuchUpload): its object, with the ETag these parts give, is how it is recognised."""
        try:
            with self._errors("HeadObject"):
                etag = self.client.head_object(Bucket=self.bucket, Key=key)["ETag"].strip('"')
        except FileNotFoundError:
            return False
        # Stores that do not follow S3's form of multipart ETags (no "-N") are taken at their word.
        if "-" in etag and etag != multipart_etag([e for _n, e in parts]):
            raise PartsMismatch("The store holds this file assembled from other parts than those named.")
        return True

    def complete_multipart_upload(self, *, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        """Idempotent: when S3 completed the upload but its answer was lost (a timeout), or Estran's
        commit after it failed, the upload is gone and the object exists: the completion sent again
        succeeds. The parts of an upload created with the SHA-256 algorithm are named with the
        SHA-256 S3 lists for each (S3 requires them, to build the composite checksum); S3 already
        holds them, so the completion reads no byte."""
        try:
            stored = {p.part_number: p for p in self.list_parts(key=key, upload_id=upload_id)}
        except FileNotFoundError:
            if self._assembled_from(key, parts):
                return
            raise
        # Checked here first so that the client hears which part is wrong, not S3's "InvalidPart".
        self._check_parts(stored, parts)
        try:
            with self._errors("CompleteMultipartUpload"):
                self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": [self._completed_part(stored[n], e) for n, e in parts]},
                )
        except FileNotFoundError:  # completed meanwhile by a racing completion
            if not self._assembled_from(key, parts):
                raise

    @staticmethod
    def _completed_part(stored: StoredPart, etag: str) -> dict:
        part = {"PartNumber": stored.part_number, "ETag": _quoted(etag)}
        if stored.sha256:
            part["ChecksumSHA256"] = stored.sha256
        return part

    def abort_multipart_upload(self, *, key: str, upload_id: str) -> None:
        try:
            with self._errors("AbortMultipartUpload"):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload_id)
        except FileNotFoundError:
            pass  # already aborted or completed: nothing to do

    def put_object(self, *, key: str, data: bytes) -> None:
        # S3 refuses bytes that do not have this SHA-256 (BadDigest): what arrives is what was sent.
        checksum = base64.b64encode(hashlib.sha256(data).digest()).decode()
        with self._errors("PutObject"):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ChecksumSHA256=checksum)

    def list_multipart_uploads(self) -> Iterator[PendingUpload]:
        with self._errors("ListMultipartUploads"):
            for page in self.client.get_paginator("list_multipart_uploads").paginate(Bucket=self.bucket):
                for upload in page.get("Uploads", []):
                    yield PendingUpload(upload["Key"], upload["UploadId"], upload["Initiated"])

    # --- objects ---

    def open(self, key: str) -> BinaryIO:
        with self._errors("GetObject"):
            return self.client.get_object(Bucket=self.bucket, Key=key)["Body"]

    def read_range(self, key: str, start: int, length: int) -> bytes:
        if length <= 0:
            return b""
        try:
            with self._errors("GetObject (range)"):
                last = start + length - 1
                answer = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes={start}-{last}")
                with closing(answer["Body"]) as body:
                    return body.read(length)  # a server that ignores the range sends more: not read
        except _NothingInRange:
            return b""

    def checksums(self, key: str, chunk_size: int = 8 * 1024 * 1024) -> tuple[str, str, int]:
        # The stream is read inside the translation: a connection lost half-way is a StorageError
        # (try again later), not a wrong checksum.
        with self._errors("GetObject"):
            return super().checksums(key, chunk_size)

    def _copy(self, key: str, path: str, *, max_bytes: int | None) -> None:
        with self._errors("GetObject"):  # the stream is read inside the translation, as above
            super()._copy(key, path, max_bytes=max_bytes)

    def size(self, key: str) -> int:
        with self._errors("HeadObject"):
            return self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"]

    def delete(self, key: str) -> None:
        with self._errors("DeleteObject"):
            self.client.delete_object(Bucket=self.bucket, Key=key)

    def download_url(self, key: str, *, content_disposition: str, content_type: str) -> str:
        with self._errors("presign GetObject"):
            return self.client.generate_presigned_url(
                "get_object",
                Params={
                    "Bucket": self.bucket,
                    "Key": key,
                    "ResponseContentDisposition": content_disposition,
                    "ResponseContentType": content_type,
                },
                ExpiresIn=settings.DOWNLOAD_URL_TTL_SECONDS,
            )

    # --- operations ---

    def check(self) -> None:
        # One attempt: a health check answers now, it does not wait for S3 through retries.
        probe = _s3_client(*self._client_args, 1)
        try:
            with self._errors("HeadBucket"):
                probe.head_bucket(Bucket=self.bucket)
        except FileNotFoundError as exc:  # HeadBucket has no body: a missing bucket is a bare 404
            raise StorageError(self._no_bucket()) from exc

    def bucket_exists(self) -> bool:
        from botocore.exceptions import ClientError  # noqa: PLC0415 - with boto3, only S3 needs it

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code")) in {"404", "NoSuchBucket", "NotFound"}:
                return False
            raise StorageError(f"S3 HeadBucket failed: {exc}") from exc
        except Exception as exc:  # unreachable and the like: the store is unavailable
            raise StorageError(f"S3 HeadBucket failed: {exc}") from exc
        return True

    def create_bucket(self) -> bool:
        """Create the bucket if it is missing; True if it was created."""
        if self.bucket_exists():
            return False
        kwargs = {}
        if settings.S3_REGION and settings.S3_REGION != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.S3_REGION}
        with self._errors("CreateBucket"):
            self.client.create_bucket(Bucket=self.bucket, **kwargs)
        return True

    def set_cors(self, origins: list[str]) -> None:
        """Let browsers on these origins PUT parts (and read the ETag answered) and GET downloads."""
        with self._errors("PutBucketCors"):
            self.client.put_bucket_cors(
                Bucket=self.bucket,
                CORSConfiguration={
                    "CORSRules": [
                        {
                            "AllowedOrigins": origins,
                            "AllowedMethods": ["PUT", "GET", "HEAD"],
                            "AllowedHeaders": ["content-type", "content-length", CHECKSUM_HEADER],
                            "ExposeHeaders": ["ETag"],
                            "MaxAgeSeconds": 3600,
                        }
                    ]
                },
            )


_BACKENDS = {"local": LocalObjectStore, "s3": S3ObjectStore}


def get_store() -> ObjectStore:
    try:
        backend = _BACKENDS[settings.STORAGE_BACKEND]
    except KeyError:
        raise ValueError(f"Unknown STORAGE_BACKEND {settings.STORAGE_BACKEND!r}.") from None
    return backend()

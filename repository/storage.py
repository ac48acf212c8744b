"""Object storage behind one small interface: multipart uploads with one URL per part, reads,
deletes and a health check. `local` keeps objects in a folder and hands out signed URLs to the
app's own part endpoint; `s3` (the large-files issue) hands out presigned S3 URLs.

Object keys are generated (`files/<uuid>`), never derived from user input.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterator

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SIGNER_SALT = "estran.upload-part"


class StorageError(Exception):
    """The store failed or is unreachable; the operation may be retried."""


class PartsMismatch(Exception):
    """The parts named at completion are not the parts the store holds."""


@dataclass(frozen=True)
class StoredPart:
    part_number: int
    etag: str
    size: int


def new_object_key() -> str:
    return f"files/{uuid.uuid4().hex}"


class ObjectStore:
    name = ""

    def create_multipart_upload(self, *, key: str) -> str:
        raise NotImplementedError

    def part_url(self, *, key: str, upload_id: str, part_number: int, max_bytes: int) -> str:
        """A URL that accepts one PUT of at most `max_bytes` for this part, with no other credential."""
        raise NotImplementedError

    def put_part(self, *, key: str, upload_id: str, part_number: int, stream: Iterator[bytes]) -> str:
        """Store one part from the server side; returns its ETag."""
        raise NotImplementedError

    def list_parts(self, *, key: str, upload_id: str) -> list[StoredPart]:
        raise NotImplementedError

    def complete_multipart_upload(self, *, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        raise NotImplementedError

    def abort_multipart_upload(self, *, key: str, upload_id: str) -> None:
        raise NotImplementedError

    def open(self, key: str) -> BinaryIO:
        raise NotImplementedError

    def size(self, key: str) -> int:
        raise NotImplementedError

    def delete(self, key: str) -> None:
        raise NotImplementedError

    def check(self) -> None:
        """Raise StorageError if the store cannot be written."""
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

    def create_multipart_upload(self, *, key: str) -> str:
        upload_id = uuid.uuid4().hex
        self._upload_dir(upload_id).mkdir(parents=True, exist_ok=True)
        return upload_id

    def part_url(self, *, key: str, upload_id: str, part_number: int, max_bytes: int) -> str:
        token = signing.TimestampSigner(salt=_SIGNER_SALT).sign(f"{upload_id}:{part_number}:{max_bytes}")
        path = reverse("repository:upload-part", kwargs={"upload_id": upload_id, "part_number": part_number})
        return f"{settings.SITE_URL}{path}?signature={token}"

    @staticmethod
    def verify_part_signature(*, upload_id: str, part_number: int, signature: str) -> int | None:
        """The most bytes the signed URL accepts, or None if the signature is bad or expired."""
        try:
            value = signing.TimestampSigner(salt=_SIGNER_SALT).unsign(
                signature, max_age=settings.UPLOAD_PART_URL_TTL_SECONDS
            )
        except signing.BadSignature:
            return None
        signed_upload, _, rest = value.partition(":")
        signed_part, _, max_bytes = rest.partition(":")
        if signed_upload != upload_id or signed_part != str(part_number) or not max_bytes.isdigit():
            return None
        return int(max_bytes)

    def put_part(self, *, key: str = "", upload_id: str, part_number: int, stream: Iterator[bytes]) -> str:
        """Store one part (what S3 does for a PUT to a presigned part URL); returns its ETag,
        the MD5 of its bytes as S3 computes it."""
        directory = self._upload_dir(upload_id)
        if not directory.is_dir():
            raise FileNotFoundError(upload_id)
        md5 = hashlib.md5()
        tmp = directory / f"{part_number}.tmp-{uuid.uuid4().hex}"
        try:
            with open(tmp, "wb") as fh:
                for chunk in stream:
                    md5.update(chunk)
                    fh.write(chunk)
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
                parts.append(StoredPart(int(number), etag, path.stat().st_size))
        return parts

    def complete_multipart_upload(self, *, key: str, upload_id: str, parts: list[tuple[int, str]]) -> None:
        stored = {p.part_number: p for p in self.list_parts(key=key, upload_id=upload_id)}
        for number, etag in parts:
            part = stored.get(number)
            if part is None:
                raise PartsMismatch(f"Part {number} was never uploaded.")
            if part.etag != etag.strip('"'):
                raise PartsMismatch(f"Part {number} has ETag {part.etag}, not {etag}.")
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".assembling")
        directory = self._upload_dir(upload_id)
        with open(tmp, "wb") as out:
            for number, _etag in parts:
                with open(directory / f"{number:05d}.{stored[number].etag}", "rb") as fh:
                    shutil.copyfileobj(fh, out, 1024 * 1024)
        os.replace(tmp, target)
        shutil.rmtree(directory, ignore_errors=True)

    def abort_multipart_upload(self, *, key: str, upload_id: str) -> None:
        shutil.rmtree(self._upload_dir(upload_id), ignore_errors=True)

    def open(self, key: str) -> BinaryIO:
        return open(self._path(key), "rb")

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


_BACKENDS = {"local": LocalObjectStore}


def get_store() -> ObjectStore:
    try:
        return _BACKENDS[settings.STORAGE_BACKEND]()
    except KeyError:
        raise ValueError(f"Unknown STORAGE_BACKEND {settings.STORAGE_BACKEND!r}.") from None

"""Where bags are written and read back: a folder, or a prefix in an S3 bucket (through the
repository's object store, on the S3_* settings' server). Both keep a small state file at their root
(`estran-bags.json`: each DOI's bag and fingerprint), which makes an export incremental and tells an
import which bags there are."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import BinaryIO

from repository.storage import ObjectStore, S3ObjectStore

STATE_FILE = "estran-bags.json"
STATE_FORMAT = "estran-bags/1"
# S3 accepts parts of at least 5 MiB (but the last); a bag's file is sent in parts of this size.
PART_SIZE = 8 * 1024 * 1024
# The tag files a bag may hold besides its manifests' entries (BagIt 0.97, as bagit.py writes them).
TAG_FILES = ("bagit.txt", "bag-info.txt", "manifest-sha256.txt", "tagmanifest-sha256.txt")


class BagState:
    """{DOI: {"bag": name, "fingerprint": hash}} of the bags a destination holds. Its memory grows
    with the records (about 200 bytes each: 20 MB for 100,000), never with their files."""

    def __init__(self, bags: dict[str, dict] | None = None):
        self.bags = bags or {}

    @classmethod
    def parse(cls, raw: bytes | None) -> BagState:
        if not raw:
            return cls()
        data = json.loads(raw)
        if data.get("format") != STATE_FORMAT:
            raise ValueError(f"{STATE_FILE} is not of the format {STATE_FORMAT}.")
        return cls(data["bags"])

    def dump(self) -> bytes:
        return json.dumps({"format": STATE_FORMAT, "bags": self.bags}, indent=0, sort_keys=True).encode()


class Destination:
    """A place holding bags: one folder (or key prefix) per bag, the state file beside them."""

    def read_state(self) -> BagState:
        raise NotImplementedError

    def write_state(self, state: BagState) -> None:
        raise NotImplementedError

    @contextmanager
    def staging(self) -> Iterator[Path]:
        """An empty local folder to build one bag in, removed on leaving."""
        with tempfile.TemporaryDirectory(prefix="estran-bag-") as folder:
            yield Path(folder)

    def put_bag(self, name: str, folder: Path) -> None:
        """Put the bag built in `folder` (a `staging` folder) at `name`, replacing any bag there."""
        raise NotImplementedError

    @contextmanager
    def fetch_bag(self, name: str) -> Iterator[Path]:
        """A local folder holding the bag `name`, valid inside the `with`."""
        raise NotImplementedError
        yield

    def bag_names(self) -> list[str]:
        """The bags there: those the state file names."""
        return sorted(entry["bag"] for entry in self.read_state().bags.values())


class FolderDestination(Destination):
    """Bags as folders under one local folder. A bag replaced is swapped in by renames, so that a
    reader never sees half of it; bags are built beside it (same file system: the renames are
    atomic)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def __str__(self) -> str:
        return str(self.root)

    def read_state(self) -> BagState:
        path = self.root / STATE_FILE
        return BagState.parse(path.read_bytes() if path.is_file() else None)

    def write_state(self, state: BagState) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{STATE_FILE}.{uuid.uuid4().hex}"
        tmp.write_bytes(state.dump())
        os.replace(tmp, self.root / STATE_FILE)

    @contextmanager
    def staging(self) -> Iterator[Path]:
        self.root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.root))
        try:
            yield folder
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def put_bag(self, name: str, folder: Path) -> None:
        target = self.root / name
        old = self.root / f".old-{uuid.uuid4().hex}"
        if target.exists():
            os.rename(target, old)
        os.rename(folder, target)
        shutil.rmtree(old, ignore_errors=True)

    def bag_names(self) -> list[str]:
        """Those the state file names; without one (bags copied by hand), every folder holding a
        bagit.txt."""
        names = super().bag_names()
        if names or not self.root.is_dir():
            return names
        return sorted(p.name for p in self.root.iterdir() if (p / "bagit.txt").is_file())

    @contextmanager
    def fetch_bag(self, name: str) -> Iterator[Path]:
        path = self.root / name
        if not (path / "bagit.txt").is_file():
            raise FileNotFoundError(f"No bag at {path}.")
        yield path


class S3Destination(Destination):
    """Bags under a key prefix of an S3 bucket (`s3://bucket/prefix`), one object per file of a bag
    (`prefix/<bag>/data/...`), reached with the S3_* settings' endpoint and credentials. A bag is
    written payload first and tag files last; the objects of the bag it replaces that the new one no
    longer holds are then deleted. An export stopped half-way leaves the state file as it was before
    the bag: the next one writes the bag again."""

    def __init__(self, url: str):
        bucket, _slash, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError("An S3 destination is s3://bucket/prefix.")
        self.bucket, self.prefix = bucket, prefix.strip("/")
        self.store = S3ObjectStore(bucket=bucket)

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, *parts: str) -> str:
        return "/".join(p for p in (self.prefix, *parts) if p)

    def _read(self, key: str) -> bytes | None:
        try:
            with closing(self.store.open(key)) as body:
                return body.read()
        except FileNotFoundError:
            return None

    def read_state(self) -> BagState:
        return BagState.parse(self._read(self.key(STATE_FILE)))

    def write_state(self, state: BagState) -> None:
        raw = state.dump()
        with tempfile.TemporaryFile() as fh:
            fh.write(raw)
            fh.seek(0)
            put_object(self.store, self.key(STATE_FILE), fh)

    def _bag_files(self, name: str) -> set[str] | None:
        """The files of the bag `name` there (relative paths), from its manifests; None if none is."""
        listed = set()
        for manifest in ("manifest-sha256.txt", "tagmanifest-sha256.txt"):
            raw = self._read(self.key(name, manifest))
            if raw is None:
                return None
            listed |= {_manifest_path(line) for line in raw.decode().splitlines() if line.strip()}
        return listed | set(TAG_FILES)

    def put_bag(self, name: str, folder: Path) -> None:
        before = self._bag_files(name) or set()
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        # Payload first, tag files last (the tag manifest at the very end): the manifests name only
        # what is there.
        order = [f for f in files if f not in TAG_FILES] + [f for f in TAG_FILES if f in files]
        for relative in order:
            with open(folder / relative, "rb") as fh:
                put_object(self.store, self.key(name, relative), fh)
        for stale in sorted(before - set(files)):
            self.store.delete(self.key(name, stale))

    @contextmanager
    def fetch_bag(self, name: str) -> Iterator[Path]:
        files = self._bag_files(name)
        if files is None:
            raise FileNotFoundError(f"No bag at {self.key(name)}.")
        with tempfile.TemporaryDirectory(prefix="estran-bag-") as folder:
            root = Path(folder) / name
            for relative in sorted(files):
                path = root / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                try:
                    with closing(self.store.open(self.key(name, relative))) as body, open(path, "wb") as out:
                        shutil.copyfileobj(body, out, 1024 * 1024)
                except FileNotFoundError:
                    path.unlink(missing_ok=True)  # bagit's validation names what is missing
            yield root


def put_object(store: ObjectStore, key: str, stream: BinaryIO) -> None:
    """One object from a binary stream: under PART_SIZE in one request, otherwise through the
    store's multipart upload in parts of PART_SIZE; no more than one part in memory, whatever the
    object's size."""
    chunk = stream.read(PART_SIZE)
    if len(chunk) < PART_SIZE:
        store.put_object(key=key, data=chunk)
        return
    upload_id = store.create_multipart_upload(key=key)
    parts, number = [], 1
    try:
        while True:
            if parts:
                chunk = stream.read(PART_SIZE)
            if not chunk and parts:
                break
            etag = store.put_part(key=key, upload_id=upload_id, part_number=number, stream=iter([chunk]))
            parts.append((number, etag))
            if len(chunk) < PART_SIZE:
                break
            number += 1
        store.complete_multipart_upload(key=key, upload_id=upload_id, parts=parts)
    except BaseException:
        store.abort_multipart_upload(key=key, upload_id=upload_id)
        raise


def _manifest_path(line: str) -> str:
    """The file a manifest line names, decoded as bagit.py encodes it (only CR and LF; a `%` is
    written as is, and read back so)."""
    _digest, _space, path = line.partition(" ")
    path = path.lstrip(" ").lstrip("*")
    return path.replace("%0D", "\r").replace("%0A", "\n")


def destination(where: str) -> Destination:
    """`s3://bucket/prefix` or a folder."""
    return S3Destination(where) if where.startswith("s3://") else FolderDestination(where)

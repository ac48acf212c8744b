"""A record's files all at once: the streamed ZIP ("Download all", or one folder's), the BagIt payload
manifest of their SHA-256 and the plain list of their download URLs (for `wget -i`).

The ZIP is made while it is sent: each object is read from the store in chunks as its turn comes,
never held whole nor written to a temporary file, so a web process's memory does not grow with the
bytes (only the ZIP's central directory is kept until the end: about half a kilobyte of memory a
file, 5 MB for 10,000).
The members are stored, not deflated: research data is mostly compressed already (NetCDF-4, images,
gzip), a deflated terabyte would cost the web process hours of CPU, and stored members give the
archive's exact length before the first byte, so a `Content-Length` goes out (download managers and
browsers show progress and see a cut-off download as one). zipstream-ng writes ZIP64 records for
members over 4 GiB and past 65,535 files; a member's CRC-32 goes in the data descriptor after it.

A record of many small files would spend its time waiting on the store, one request after another
(10,000 files of 4 KiB: 10,000 round trips to S3): the small members ahead (at most READ_AHEAD of
them, each at most READ_AHEAD_MAX_SIZE) are read a few at a time while the ZIP is sent, so the
memory it costs is bounded (8 MiB) whatever the number of files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from urllib.parse import quote

from zipstream import ZIP_STORED, ZipStream

from core.file_names import MAX_PATH_BYTES
from core.logging import get_logger

from .storage import ObjectStore

log = get_logger(__name__)

# Bytes read from the store at a time: large enough that a read of a local file or of an S3 stream
# costs little per byte, small enough to be nothing beside a web process.
CHUNK_SIZE = 4 * 1024 * 1024
# Small members read ahead, and how small: their bytes are held until their turn.
READ_AHEAD = 8
READ_AHEAD_MAX_SIZE = 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class BadFolder(ValueError):
    """`?folder=` is not a folder a file name could lie in."""


@dataclass(frozen=True)
class Member:
    """A file of the record, as the three listings need it (read as values, not models)."""

    name: str
    size: int
    sha256: str
    storage_key: str


def folder_clean(raw: str) -> str:
    """The folder `raw` names, relative to the record's top (`profiles/2024`, a trailing `/`
    allowed), or BadFolder: empty segments, `.` and `..`, a leading `/`, backslashes and control
    characters are refused rather than guessed at, since no stored name holds them and a folder
    parameter that matched something else than what it says would hand out other files."""
    folder = raw[:-1] if raw.endswith("/") else raw
    if not folder:
        raise BadFolder("The folder is empty.")
    if len(folder.encode("utf-8", "surrogatepass")) > MAX_PATH_BYTES:  # as long as a stored path may be
        raise BadFolder(f"A folder is at most {MAX_PATH_BYTES} bytes.")
    if _CONTROL.search(folder) or "\\" in folder:
        raise BadFolder("A folder has no control characters nor backslashes.")
    segments = folder.split("/")
    if any(segment.strip() != segment or segment in ("", ".", "..") for segment in segments):
        raise BadFolder("A folder is a relative path: no empty segment, no “.” or “..”, no surrounding spaces.")
    return folder


def folder_of(name: str) -> str:
    """The folder a file lies in (`a/b` for `a/b/c.nc`), "" at the top."""
    return name.rpartition("/")[0]


def manifest_line(member: Member) -> str:
    """A line of a BagIt payload manifest (RFC 8493 § 2.1.3): the checksum, two spaces (as bagit-python
    and `sha256sum` write them; BagIt takes any whitespace), then the path under `data/`, with CR, LF
    and `%` percent-encoded as the RFC requires. (bagit-python 1.9 decodes only CR and LF: a name
    with a `%` would be looked for under its encoded name there.)"""
    path = member.name.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return f"{member.sha256}  data/{path}\n"


def url_line(member: Member, *, files_url: str) -> str:
    """A line of the URL list: the file's download URL (`files_url` is the record's files URL, ending
    in `/`), every character of the name but letters, digits, `-._~` and the folders' `/`
    percent-encoded: the URL then holds nothing a shell or `xargs` would read as a quote or a
    separator, and it resolves to the same file as the landing page's link."""
    return files_url + quote(member.name, safe="/") + "\n"


def zip_stream(members: Iterable[Member], *, store: ObjectStore) -> ZipStream:
    """The ZIP of `members`, each under its name (folders kept), to be iterated once; `len()` is its
    size in bytes. Nothing is read until it is iterated; a member whose object has not the size
    recorded stops the stream with an error (the client sees a short download, never wrong bytes
    under a right length)."""
    members = list(members)
    ahead = _ReadAhead(store, members)
    archive = ZipStream(compress_type=ZIP_STORED, sized=True)
    for index, member in enumerate(members):
        archive.add(ahead.chunks(index), member.name, size=member.size)
    return archive


def _object_chunks(store: ObjectStore, key: str) -> Iterator[bytes]:
    # A generator: the object is opened only when the archive reaches it, and closed when the
    # archive is (the client went away) as well as at its end.
    with closing(store.open(key)) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            yield chunk


def _read_whole(store: ObjectStore, key: str) -> bytes:
    with closing(store.open(key)) as stream:
        return stream.read()


class _ReadAhead:
    """Each member's bytes when the archive reaches it: a large one streamed then, a small one read
    beforehand by one of READ_AHEAD threads, started when the archive reaches the member
    READ_AHEAD places before it. The threads are started with the first small member and stopped
    after the last member, or as soon as the archive is closed (the client went away)."""

    def __init__(self, store: ObjectStore, members: list[Member]):
        self.store = store
        self.all_keys = [m.storage_key for m in members]
        self.keys: list[str | None] = [m.storage_key if m.size <= READ_AHEAD_MAX_SIZE else None for m in members]
        self.reading: dict[int, Future[bytes]] = {}
        self.started = 0  # members before this one are being read or were
        self.pool: ThreadPoolExecutor | None = None

    def chunks(self, index: int) -> Iterator[bytes]:
        try:
            self._start_up_to(index + READ_AHEAD)
            if self.keys[index] is None:
                yield from _object_chunks(self.store, self.all_keys[index])
            else:
                yield self.reading.pop(index).result()
        except GeneratorExit:
            self._stop()
            raise
        if index == len(self.keys) - 1:
            self._stop()

    def _start_up_to(self, end: int) -> None:
        for index in range(self.started, min(end, len(self.keys))):
            key = self.keys[index]
            if key is not None:
                if self.pool is None:
                    self.pool = ThreadPoolExecutor(max_workers=READ_AHEAD, thread_name_prefix="estran-zip")
                self.reading[index] = self.pool.submit(_read_whole, self.store, key)
        self.started = max(self.started, min(end, len(self.keys)))

    def _stop(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None
        self.reading.clear()


def logged(chunks: Iterable[bytes], *, record_id: int, folder: str) -> Iterator[bytes]:
    """The archive's bytes, with a failure on the way (an object missing or unreadable, the store
    down) logged before the response is cut: the headers have gone, nothing else can be said."""
    sent = 0
    try:
        for chunk in chunks:
            sent += len(chunk)
            yield chunk
    except GeneratorExit:
        raise
    except Exception as exc:
        log.warning("archive.failed", record=record_id, folder=folder, sent=sent, error=str(exc)[:300])
        raise

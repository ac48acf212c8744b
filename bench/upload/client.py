"""A Python client of Estran's upload-session protocol doing what the browser uploader does:
open a session, send the parts straight to their URLs (presigned S3 URLs, or the app's own part
endpoint with local storage), several at a time, each signed for its SHA-256, retrying a failed
part with backoff, resuming from the parts the server says it holds, then complete.

Only `requests` and the standard library: a pipeline can copy this file.
"""

from __future__ import annotations

import hashlib
import os
import queue
import threading
import time
from dataclasses import dataclass, field

import requests

RETRYABLE_STATUS = {408, 429, 500, 502, 503, 504}


class UploadFailed(Exception):
    pass


@dataclass
class UploadResult:
    upload_id: int
    status: int  # of the completion: 200 (ready) or 202 (verifying)
    file: dict
    seconds: float
    parts_sent: int
    retries: int
    log: list[str] = field(default_factory=list)
    phases: dict[str, float] = field(default_factory=dict)  # seconds: open, parts, complete


class EstranUploader:
    def __init__(
        self,
        site: str,
        token: str,
        *,
        concurrency: int = 4,
        attempts: int = 5,
        backoff: float = 0.5,
        checksums: bool = True,
        timeout: float = 120.0,
    ):
        self.site = site.rstrip("/")
        self.api = requests.Session()
        self.api.headers["Authorization"] = f"Bearer {token}"
        self.concurrency, self.attempts, self.backoff = concurrency, attempts, backoff
        self.checksums, self.timeout = checksums, timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        self.retries = 0
        self.log: list[str] = []
        self.phases: dict[str, float] = {}
        self.busy: dict[str, float] = {}
        self.parts_sent = 0

    # --- the API ---

    def _call(self, method: str, path: str, **kwargs) -> requests.Response:
        """An API call, retried on connection errors and 5xx like the parts (completion included:
        a 503 `storage_unavailable` leaves the upload open, so completing again is safe)."""
        for attempt in range(1, self.attempts + 1):
            try:
                response = self.api.request(method, f"{self.site}{path}", timeout=self.timeout, **kwargs)
            except requests.ConnectionError as exc:
                error = str(exc)
            else:
                if response.status_code not in RETRYABLE_STATUS:
                    return response
                error = f"HTTP {response.status_code}: {response.text[:200]}"
            self._retrying(f"{method} {path}", attempt, error)
        raise UploadFailed(f"{method} {path} failed {self.attempts} times: {error}")

    def _retrying(self, what: str, attempt: int, error: str) -> None:
        with self._lock:
            self.retries += 1
            self.log.append(f"{what}: attempt {attempt} failed ({error})")
        if attempt < self.attempts:
            time.sleep(self.backoff * 2 ** (attempt - 1))

    def open(self, deposit_id: int, name: str, size: int, sha256: str = "") -> dict:
        # With checksums every part is signed with its SHA-256, as the browser does: the session is
        # opened for that, and S3 keeps the object's composite checksum.
        payload = {"name": name, "size": size, "sha256": sha256, "part_sha256": self.checksums}
        response = self._call("POST", f"/api/deposits/{deposit_id}/uploads", json=payload)
        if response.status_code != 201:
            raise UploadFailed(f"open: HTTP {response.status_code}: {response.text[:500]}")
        return response.json()

    def session(self, upload_id: int) -> dict:
        response = self._call("GET", f"/api/uploads/{upload_id}")
        if response.status_code != 200:
            raise UploadFailed(f"session: HTTP {response.status_code}: {response.text[:500]}")
        return response.json()

    def complete(self, upload_id: int, etags: dict[int, str]) -> requests.Response:
        parts = [{"part_number": n, "etag": e} for n, e in sorted(etags.items())]
        return self._call("POST", f"/api/uploads/{upload_id}/complete", json={"parts": parts})

    # --- the parts ---

    def _http(self) -> requests.Session:
        # one connection pool per thread, with no token: part URLs carry their own authorisation
        if not hasattr(self._local, "http"):
            self._local.http = requests.Session()
        return self._local.http

    def _prepare(self, upload: dict, fd: int, numbers: list[int], urls: dict[int, str]) -> list[tuple]:
        """Read parts, and with checksums hash them and have their URLs signed in one request:
        [(part_number, bytes, url, headers)]."""
        size, part_size = upload["size"], upload["part_size"]
        parts = []
        for number in numbers:
            offset = (number - 1) * part_size
            parts.append((number, os.pread(fd, min(part_size, size - offset), offset)))
        if not self.checksums:
            return [(n, data, urls[n], {}) for n, data in parts]
        mark = time.monotonic()
        digests = [{"part_number": n, "sha256": hashlib.sha256(data).hexdigest()} for n, data in parts]
        response = self._call("POST", f"/api/uploads/{upload['id']}/parts", json={"parts": digests})
        if response.status_code != 200:
            raise UploadFailed(f"sign parts: HTTP {response.status_code}: {response.text[:500]}")
        signed = {p["part_number"]: p for p in response.json()["parts"]}
        self._add("hash_and_sign", time.monotonic() - mark)
        return [(n, data, signed[n]["url"], signed[n]["headers"]) for n, data in parts]

    def _put(self, number: int, data: bytes, url: str, headers: dict) -> tuple[int, str]:
        for attempt in range(1, self.attempts + 1):
            mark = time.monotonic()
            try:
                response = self._http().put(url, data=data, headers=headers, timeout=self.timeout)
            except requests.ConnectionError as exc:
                error = str(exc)
            else:
                if response.status_code == 200 and response.headers.get("ETag"):
                    self._add("put", time.monotonic() - mark)
                    return number, response.headers["ETag"]
                if response.status_code not in RETRYABLE_STATUS:
                    raise UploadFailed(f"part {number}: HTTP {response.status_code}: {response.text[:500]}")
                error = f"HTTP {response.status_code}"
            self._retrying(f"part {number}", attempt, error)
        raise UploadFailed(f"part {number} failed {self.attempts} times: {error}")

    def _add(self, what: str, seconds: float) -> None:
        """Time spent per kind of work, summed over the threads (for the benchmark)."""
        with self._lock:
            self.busy[what] = self.busy.get(what, 0.0) + seconds

    def send_parts(self, upload: dict, path: str) -> dict[int, str]:
        """Send the parts the server does not hold yet; {part_number: ETag} of all of them.

        A pipeline, as the browser uploader does it: one thread reads the next `concurrency` parts,
        hashes them and has their URLs signed in one request while `concurrency` others PUT the
        parts already signed (about three times `concurrency` parts are in memory at most)."""
        etags = {p["part_number"]: p["etag"] for p in upload.get("stored_parts", [])}
        urls = {p["part_number"]: p["url"] for p in upload.get("parts", [])}
        todo = [n for n in range(1, upload["part_count"] + 1) if n not in etags]
        batches = [todo[i : i + self.concurrency] for i in range(0, len(todo), self.concurrency)]
        ready: queue.Queue = queue.Queue(maxsize=self.concurrency)
        failures: list[BaseException] = []
        fd = os.open(path, os.O_RDONLY)

        def read() -> None:
            try:
                for batch in batches:
                    for part in self._prepare(upload, fd, batch, urls):
                        if failures:
                            return
                        ready.put(part)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller below
                failures.append(exc)
            finally:
                for _ in range(self.concurrency):
                    ready.put(None)

        def send() -> None:
            while (part := ready.get()) is not None:
                if failures:
                    continue
                try:
                    number, etag = self._put(*part)
                except BaseException as exc:  # noqa: BLE001
                    failures.append(exc)
                    continue
                with self._lock:
                    etags[number] = etag

        threads = [threading.Thread(target=read)] + [threading.Thread(target=send) for _ in range(self.concurrency)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            os.close(fd)
        if failures:
            raise failures[0]
        self.parts_sent = len(todo)
        return etags

    def upload(self, deposit_id: int, path: str, *, name: str | None = None, sha256: str = "") -> UploadResult:
        started = time.monotonic()
        upload = self.open(deposit_id, name or os.path.basename(path), os.path.getsize(path), sha256)
        self.phases = {"open": time.monotonic() - started}
        return self._finish(upload, path, started)

    def resume(self, upload_id: int, path: str) -> UploadResult:
        """Carry on an upload interrupted half-way: only the parts the server lacks are sent."""
        started = time.monotonic()
        upload = self.session(upload_id)
        self.phases = {"open": time.monotonic() - started}
        return self._finish(upload, path, started)

    def _finish(self, upload: dict, path: str, started: float) -> UploadResult:
        mark = time.monotonic()
        etags = self.send_parts(upload, path)
        self.phases["parts"] = time.monotonic() - mark
        mark = time.monotonic()
        done = self.complete(upload["id"], etags)
        self.phases["complete"] = time.monotonic() - mark
        if done.status_code not in (200, 202):
            raise UploadFailed(f"complete: HTTP {done.status_code}: {done.text[:500]}")
        return UploadResult(
            upload["id"],
            done.status_code,
            done.json(),
            time.monotonic() - started,
            self.parts_sent,
            self.retries,
            list(self.log),
            dict(self.phases),
        )

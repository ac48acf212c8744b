"""A real S3 API server on loopback for the tests and the upload benchmark: moto's standalone server,
optionally behind a small proxy that injects faults. No Django in the server part.

What moto does and does not do, which decides what the tests can prove:

- it speaks the S3 REST API (multipart uploads, ListParts, ListMultipartUploads, presigned URLs in
  SigV4 form, Range, response-content-disposition), so boto3 and plain HTTP clients run for real;
- it does **not** verify request signatures (a presigned URL with a wrong signature, an expired
  one or an unsigned header works), nor the `x-amz-checksum-sha256` a client sends with a part:
  Estran's own verification after completion is what the tests exercise for integrity;
- it enforces S3's 5 MiB minimum for every part but the last;
- it keeps objects in memory (or spooled temporary files): keep test files small;
- ListMultipartUploads answers a fixed `Initiated` date (2010), so every unfinished upload looks
  old to the abandoned-upload sweep.

`S3Server(mode="thread")` runs moto in this process (`ThreadedMotoServer`), `mode="process"` in a
`moto_server` subprocess (the benchmark: the server then has a CPU of its own). With
`faults=True` a proxy sits in front and `fail_next()` / `outage()` break chosen requests.

The pytest fixtures at the end (`s3_server`, `s3`, `s3_celery_worker`, `s3_worker`) are made
available to every test by tests/conftest.py.
"""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

ACCESS_KEY = "estran-test-key"
SECRET_KEY = "estran-test-secret"
REGION = "us-east-1"
BUCKET = "estran-test"

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Fault:
    method: str
    pattern: re.Pattern
    status: int
    forward: bool  # pass the request on first (the part is stored, the client hears an error)
    remaining: int


class _Proxy(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, upstream: tuple[str, int]):
        super().__init__(("127.0.0.1", 0), _ProxyHandler)
        self.upstream = upstream
        self.faults: list[Fault] = []
        self.down = False
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, int]] = []

    def take_fault(self, method: str, target: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.remaining and fault.method in (method, "*") and fault.pattern.search(target):
                    fault.remaining -= 1
                    return fault
        return None


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Proxy

    def log_message(self, *args) -> None:  # quiet
        pass

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(data)
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response_only(status)
        for name, value in headers:
            # a HEAD answer keeps the upstream's Content-Length (the object's), with no body
            if name.lower() not in _HOP_BY_HOP and (name.lower() != "content-length" or self.command == "HEAD"):
                self.send_header(name, value)
        if self.command != "HEAD":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        if self.server.down:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = self._body()
        fault = self.server.take_fault(self.command, self.path)
        if fault is None or fault.forward:
            conn = http.client.HTTPConnection(*self.server.upstream, timeout=120)
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                headers["Content-Length"] = str(len(body))
            conn.request(
                self.command, self.path, body=body if body or self.command in ("PUT", "POST") else None, headers=headers
            )
            answer = conn.getresponse()
            status, answer_headers, answer_body = answer.status, answer.getheaders(), answer.read()
            conn.close()
        if fault is not None:
            status, answer_headers = fault.status, [("Content-Type", "application/xml")]
            answer_body = (
                f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>InternalError</Code>"
                f"<Message>Injected fault {fault.status}</Message></Error>"
            ).encode()
        with self.server.lock:
            self.server.log.append((self.command, self.path, status))
        self._reply(status, answer_headers, answer_body)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle


class S3Server:
    def __init__(self, *, mode: str = "thread", faults: bool = True, port: int = 0):
        self.mode, self.with_proxy, self.port = mode, faults, port
        self._moto = None
        self._process: subprocess.Popen | None = None
        self._proxy: _Proxy | None = None
        self.direct_url = ""
        self.url = ""
        self.access_key, self.secret_key, self.region = ACCESS_KEY, SECRET_KEY, REGION

    # --- life ---

    def start(self) -> S3Server:
        if self.mode == "thread":
            import logging

            from moto.server import ThreadedMotoServer

            logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise

            self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
            self._moto.start()
            host, port = self._moto.get_host_and_port()
        else:
            port = self.port or free_port()
            host = "127.0.0.1"
            self._process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", host, "-p", str(port)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection((host, port), timeout=1).close()
                    break
                except OSError:
                    if self._process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("moto_server did not start") from None
                    time.sleep(0.1)
        self.direct_url = f"http://{host}:{port}"
        if self.with_proxy:
            self._proxy = _Proxy((host, port))
            threading.Thread(target=self._proxy.serve_forever, daemon=True).start()
            self.url = f"http://127.0.0.1:{self._proxy.server_address[1]}"
        else:
            self.url = self.direct_url
        return self

    def stop(self) -> None:
        if self._proxy is not None:
            self._proxy.shutdown()
            self._proxy.server_close()
        if self._moto is not None:
            self._moto.stop()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()

    @property
    def pid(self) -> int:
        return self._process.pid if self._process else os.getpid()

    # --- the server side, as an operator would see it ---

    def client(self):
        """A boto3 client straight to moto (not through the fault proxy)."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.direct_url,
            region_name=self.region,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(
                signature_version="s3v4",
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            ),
        )

    def create_bucket(self, name: str = BUCKET) -> str:
        client = self.client()
        with suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket=name)
        return name

    def env(self, bucket: str = BUCKET) -> dict[str, str]:
        """Estran's settings for this server, as environment variables (for subprocesses)."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_ENDPOINT_URL": self.url,
            "S3_BUCKET": bucket,
            "S3_ACCESS_KEY_ID": self.access_key,
            "S3_SECRET_ACCESS_KEY": self.secret_key,
            "S3_REGION": self.region,
        }

    # --- faults (with the proxy) ---

    def fail_next(
        self, *, method: str = "PUT", path: str = "", status: int = 500, count: int = 1, forward: bool = False
    ) -> None:
        """The next `count` requests of `method` whose path and query match the regex `path` are
        answered `status`; with `forward`, after passing them on (the server did the work)."""
        assert self._proxy is not None, "faults need the proxy"
        with self._proxy.lock:
            self._proxy.faults.append(Fault(method, re.compile(path), status, forward, count))

    @contextmanager
    def outage(self):
        """Connections are dropped without an answer while inside (S3 unreachable)."""
        assert self._proxy is not None, "faults need the proxy"
        self._proxy.down = True
        try:
            yield
        finally:
            self._proxy.down = False

    def reset(self) -> None:
        if self._proxy is not None:
            with self._proxy.lock:
                self._proxy.faults.clear()
                self._proxy.log.clear()
            self._proxy.down = False

    @property
    def requests(self) -> list[tuple[str, str, int]]:
        return list(self._proxy.log) if self._proxy else []


# --- pytest fixtures -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on loopback behind the fault proxy, with the test bucket; one per session."""
    server = S3Server(mode="thread", faults=True).start()
    server.create_bucket(BUCKET)
    yield server
    server.stop()


@pytest.fixture
def s3(s3_server, settings):
    """This process's settings on the S3 server (STORAGE_BACKEND=s3), faults cleared. Parts are
    at least 5 MiB, S3's own minimum."""
    s3_server.reset()
    for name, value in s3_server.env().items():
        setattr(settings, name, value)
    settings.UPLOAD_MIN_PART_SIZE = 5 * 1024 * 1024
    yield s3_server
    s3_server.reset()


@pytest.fixture(scope="session")
def s3_celery_worker(django_db_setup, django_db_blocker, s3_server, tmp_path_factory):
    """A real `celery worker` on the S3 server, consuming a queue of its own (the session's
    `celery_worker` runs on local storage): tests route their tasks to it with `s3_worker`."""
    from django.conf import settings

    from tests.fakes.celery_worker import celery_worker_process

    with celery_worker_process(
        queue=f"{settings.CELERY_TASK_DEFAULT_QUEUE}-s3",
        env={**s3_server.env(), "S3_MAX_ATTEMPTS": "2"},
        log_dir=tmp_path_factory.mktemp("s3-worker"),
        concurrency=2,
        name="The S3 Celery worker",
    ) as proc:
        yield proc


@pytest.fixture
def s3_worker(s3, s3_celery_worker):
    """Tasks sent by this test go to the S3 worker's queue."""
    from celery.app.routes import Router, prepare

    from config.celery import app

    saved = app.amqp.router
    app.amqp.router = Router(
        prepare({"*": {"queue": s3_celery_worker.queue}}), app.amqp.queues, create_missing=True, app=app
    )
    yield s3_celery_worker
    app.amqp.router = saved

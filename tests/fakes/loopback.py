"""What every fake server of the suite shares: an HTTP server on a free loopback port, served by a
daemon thread, started and stopped (or used as a context manager), with its base URL."""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer


class LoopbackServer:
    """Subclasses give `_handler()` (the request handler class, bound to the fake's state) and may
    set `name` (the thread's) and `url_suffix` ("/" when the clients join paths to the URL).
    `_stopping` is set on stop, to wake handlers sleeping in an injected delay."""

    name = "fake-server"
    url_suffix = ""

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _handler(self):
        raise NotImplementedError

    def start(self):
        self._stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll interval: shutdown() waits for the serving loop to notice.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name=self.name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{self.url_suffix}"

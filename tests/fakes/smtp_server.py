"""A mail server on a free loopback port that speaks enough SMTP for Django's SMTP backend (EHLO or
HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and keeps every message it accepts: the soak test counts
what each recipient received, through the same SMTP path production uses, in other processes."""

from __future__ import annotations

import email
import email.policy
import re
import socketserver
import threading
from dataclasses import dataclass


def _address(argument: str) -> str:
    """`FROM:<a@b.org> BODY=8BITMIME` → `a@b.org`."""
    found = re.search(r"<([^>]*)>", argument)
    return found.group(1) if found else argument.partition(":")[2].strip()


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    subject: str
    message_id: str
    body: str


class FakeSMTP:
    """`FakeSMTP().start()` (or `with FakeSMTP() as smtp:`); `email_url` for EMAIL_URL, `messages`
    for what was accepted. Each connection is served by a thread; lines are bounded."""

    MAX_LINE = 64 * 1024
    MAX_MESSAGE = 10 * 1024 * 1024

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._messages: list[Received] = []
        self._server: socketserver.ThreadingTCPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def messages(self) -> list[Received]:
        with self._lock:
            return list(self._messages)

    def _keep(self, sender: str, recipients: list[str], data: bytes) -> None:
        parsed = email.message_from_bytes(data, policy=email.policy.default)
        part = parsed.get_body(preferencelist=("plain", "html"))
        received = Received(
            sender=sender,
            recipients=tuple(recipients),
            subject=str(parsed.get("Subject", "")),
            message_id=str(parsed.get("Message-ID", "")),
            body=part.get_content() if part else "",
        )
        with self._lock:
            self._messages.append(received)

    def _handler(self):
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            timeout = 30

            def reply(self, line: str) -> None:
                self.wfile.write(line.encode() + b"\r\n")

            def readline(self) -> bytes:
                return self.rfile.readline(fake.MAX_LINE)

            def handle(self) -> None:
                self.reply("220 estran-test-smtp ready")
                sender, recipients = "", []
                while True:
                    line = self.readline()
                    if not line:
                        return
                    verb, _, argument = line.decode("utf-8", "replace").strip().partition(" ")
                    verb = verb.upper()
                    if verb == "EHLO":
                        self.reply("250-estran-test-smtp")
                        self.reply("250 8BITMIME")
                    elif verb in ("HELO", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "MAIL":
                        sender, recipients = _address(argument), []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        recipients.append(_address(argument))
                        self.reply("250 OK")
                    elif verb == "RSET":
                        sender, recipients = "", []
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        data = bytearray()
                        while True:
                            chunk = self.readline()
                            if not chunk or chunk in (b".\r\n", b".\n"):
                                break
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                            if len(data) > fake.MAX_MESSAGE:
                                self.reply("552 Message too large")
                                return
                        fake._keep(sender, recipients, bytes(data))
                        sender, recipients = "", []
                        self.reply("250 OK: queued")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        return Handler

    def start(self) -> FakeSMTP:
        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-smtp", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> FakeSMTP:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the server first"
        return self._server.server_address[1]

    @property
    def email_url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

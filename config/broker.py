"""The embedded default's broker: kombu's file-system transport, each message written whole before a
worker can see it.

kombu writes a message straight to its final name (`<time>_<uuid>.<queue>.msg`) and a worker takes
any such file it lists, without the writer's lock: a worker that lists the folder between the file's
creation and its write reads it empty, fails to decode it and stops (seen in the soak, with two
stacks sharing the machine). Here the message is written under a name no worker takes
(`.<time>_<uuid>.partial`), then renamed to its final name, which is atomic in one folder. Registered
under kombu's `filesystem` alias when the Celery app is made (`config.celery`), so that
`filesystem://` means this transport in the web process and in the worker.

The same holds for an exchange's table of queues (`<exchange>.exchange` in the control folder):
kombu created it empty and then filled it, or rewrote it in place, so that a process declaring a
queue while another read the table found it empty (a JSON error), and two processes creating it at
once each wrote their own binding over the other's. Here the table is read, changed and written
whole under another name, then renamed over the old one, under an exclusive lock of its own
(`<exchange>.exchange.lock`): a reader always finds a whole table, and no binding is lost."""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put `payload` onto `queue`: written whole, then renamed into the queue's folder."""
        stem = f"{round(monotonic() * 1000)}_{uuid.uuid4()}"
        final = os.path.join(self.data_folder_out, f"{stem}.{queue}.msg")
        partial = os.path.join(self.data_folder_out, f".{stem}.partial")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        """Add the binding of `queue` to the exchange's table, which is replaced whole."""
        table = self._exchange_file(exchange)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        try:
            self.control_folder.mkdir(exist_ok=True)
            with open(table.with_name(f"{table.name}.lock"), "a") as guard:
                filesystem.lock(guard, filesystem.LOCK_EX)
                try:
                    queues = self.get_table(exchange)
                    if binding in queues:
                        return
                    partial = table.with_name(f".{table.name}.{uuid.uuid4().hex}.partial")
                    try:
                        partial.write_bytes(str_to_bytes(dumps([binding, *queues])))
                        os.replace(partial, table)
                    except OSError:
                        partial.unlink(missing_ok=True)
                        raise
                finally:
                    filesystem.unlock(guard)
        except OSError as exc:
            raise ChannelError(f"Cannot open {table}") from exc


class Transport(filesystem.Transport):
    Channel = Channel


def register() -> None:
    TRANSPORT_ALIASES["filesystem"] = "config.broker:Transport"

"""The embedded default's broker: kombu's file-system transport, each message written whole before a
worker can see it.

kombu writes a message straight to its final name (`<time>_<uuid>.<queue>.msg`) and a worker takes
any such file it lists, without the writer's lock: a worker that lists the folder between the file's
creation and its write reads it empty, fails to decode it and stops (seen in the soak, with two
stacks sharing the machine). Here the message is written under a name no worker takes
(`.<time>_<uuid>.partial`), then renamed to its final name, which is atomic in one folder. Registered
under kombu's `filesystem` alias when the Celery app is made (`config.celery`), so that
`filesystem://` means this transport in the web process and in the worker."""

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


class Transport(filesystem.Transport):
    Channel = Channel


def register() -> None:
    TRANSPORT_ALIASES["filesystem"] = "config.broker:Transport"

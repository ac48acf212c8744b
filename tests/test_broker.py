"""The embedded default's broker (`config.broker`): kombu's file-system transport with each message
written whole before a worker can see it. Before, a worker listing the folder while a message was
being written read it empty and stopped (found by the soak with two stacks sharing the machine)."""

from __future__ import annotations

import threading

from kombu import Connection

import config  # noqa: F401 - makes the Celery app, which registers the transport


def connection(folder) -> Connection:
    for name in ("queue", "control"):
        (folder / name).mkdir(exist_ok=True)
    options = {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
    }
    return Connection("filesystem://", transport_options=options)


def test_filesystem_means_estrans_transport(tmp_path):
    from config.broker import Transport

    with connection(tmp_path) as conn:
        assert conn.transport_cls == "filesystem" and isinstance(conn.transport, Transport)


def test_a_worker_reading_while_messages_are_written_reads_each_whole_exactly_once(tmp_path):
    """A producer writes 300 messages of 256 KiB (each takes a while to write) while a consumer
    takes them as fast as it can: every message it takes decodes, none is lost or taken twice, and
    no partial file is left."""
    body = "x" * 256 * 1024
    sent, taken, failures = 300, [], []

    def consume():
        with connection(tmp_path) as conn:
            queue = conn.SimpleQueue("estran-broker-test")
            try:
                while len(taken) < sent:
                    message = queue.get(timeout=60)
                    taken.append(message.payload["n"])
                    assert message.payload["body"] == body
                    message.ack()
            except Exception as exc:  # noqa: BLE001 - reported below, whatever it is
                failures.append(exc)
            finally:
                queue.close()

    # The queue declared (bound to its exchange) before the two start: kombu writes the exchange's
    # table file in place too, and a declaration racing another's reads it empty (not fixed here).
    with connection(tmp_path) as conn:
        conn.SimpleQueue("estran-broker-test").close()
    reader = threading.Thread(target=consume)
    reader.start()
    with connection(tmp_path) as conn:
        queue = conn.SimpleQueue("estran-broker-test")
        for n in range(sent):
            queue.put({"n": n, "body": body})
        queue.close()
    reader.join(timeout=120)
    assert not failures, [f"{type(exc).__name__}: {exc}" for exc in failures[:1]]
    assert sorted(taken) == list(range(sent))
    assert not [p.name for p in (tmp_path / "queue").iterdir()]

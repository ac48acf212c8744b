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

    # The queue declared (bound to its exchange) before the two start. Both run in this process,
    # where kombu's state (one per process) marks a binding before its table file is written: the
    # second to declare would take the queue as bound and publish while the file is still without
    # it, and the message would go nowhere. Estran's producers and worker are separate processes.
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


def test_queues_bound_to_one_exchange_at_once_are_all_kept_and_readers_never_see_a_half_written_table(tmp_path):
    """Eight connections bind 25 queues each to one exchange at the same time, while two others read
    its table: every binding is in the table at the end, and no read fails. kombu wrote the table in
    place (a new one created empty, then filled), so a reader could find it empty and a second
    creator could overwrite the first's binding; Estran's transport writes it whole and renames it."""
    from kombu import Exchange, Queue

    exchange = Exchange("estran-broker-test-fanin", type="direct")
    names = [f"q{binder}-{n}" for binder in range(8) for n in range(25)]
    failures, done = [], threading.Event()

    def bind(binder: int) -> None:
        try:
            with connection(tmp_path) as conn:
                for name in names[binder * 25 : (binder + 1) * 25]:
                    Queue(name, exchange, routing_key=name).declare(channel=conn.default_channel)
        except Exception as exc:  # noqa: BLE001 - reported below, whatever it is
            failures.append(exc)

    def read() -> None:
        try:
            with connection(tmp_path) as conn:
                while not done.is_set():
                    conn.default_channel.get_table(exchange.name)
        except Exception as exc:  # noqa: BLE001 - reported below, whatever it is
            failures.append(exc)

    readers = [threading.Thread(target=read) for _ in range(2)]
    binders = [threading.Thread(target=bind, args=(binder,)) for binder in range(8)]
    for thread in readers + binders:
        thread.start()
    for thread in binders:
        thread.join(timeout=120)
    done.set()
    for thread in readers:
        thread.join(timeout=30)
    assert not failures, [f"{type(exc).__name__}: {exc}" for exc in failures[:3]]
    with connection(tmp_path) as conn:
        bound = {entry.queue for entry in conn.default_channel.get_table(exchange.name)}
    assert bound == set(names), f"{len(set(names) - bound)} bindings lost"

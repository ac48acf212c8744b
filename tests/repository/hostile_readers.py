"""Readers that misbehave as a hostile file makes a C library misbehave, for `repository.sandbox` to
run in its child process (tests/repository/test_sandbox.py). They import no models, like the real
readers, and each takes the path of the file it is given."""

from __future__ import annotations

import os
import time
from pathlib import Path


def open_without_checks(path: str) -> dict:
    """The netCDF library on the file with no header check before it: what Estran did before."""
    import netCDF4

    with netCDF4.Dataset(path, "r") as ds:
        return {"dimensions": len(ds.dimensions)}


def allocate(path: str) -> int:
    """Asks for 8 GiB at once, as the library does for a header declaring 2^31 dimensions. (Were the
    limit missing, the pages would be mapped but never touched: no harm to the machine.)"""
    return len(bytearray(8 * 1024**3))


def spin(path: str) -> None:
    """Burns CPU time; RLIMIT_CPU should stop it long before its own two minutes are up."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pass


def sleep(path: str) -> None:
    """Writes its process id beside the file, then waits (a reader stuck on a lock or a pipe)."""
    Path(path).with_suffix(".pid").write_text(str(os.getpid()))
    time.sleep(120)


def abort(path: str) -> None:
    os.abort()  # a C library's assert(): SIGABRT


def environment(path: str) -> list[str]:
    return sorted(os.environ)


def translated(path: str) -> str:
    from django.utils.translation import gettext

    return gettext("This file cannot be read as NetCDF.")


def echo(path: str) -> dict:
    return {"path": path, "size": os.path.getsize(path)}

"""Reading untrusted files where a hostile one can only fail: the reader runs in a child process
with an address-space limit, a CPU-time limit and a wall-clock timeout, and sends its result back
as JSON; whatever else happens (the reader refused the file, or the child ran out of memory or time,
or died) is `Unreadable`, and the web or worker process that asked carries on.

The child is a fresh interpreter (`python -m repository.sandbox`), not a fork: a fork would share
the parent's memory, threads and connections, and its limits would count the parent's address
space. It gets a minimal environment (no secrets), configures only Django's translations (the
reader's notes are in the caller's language) and imports the reader by name, so readers live in
modules that import no models (`repository.netcdf`).
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.utils import translation

from core.logging import get_logger

log = get_logger(__name__)

ROOT = Path(__file__).resolve().parents[1]
# A reader's answer (a preview, suggestions) is capped far below this; the child may write no more.
MAX_RESULT_BYTES = 16 * 1024 * 1024
# The child's exit status when the reader raised (its exception comes back in the result file).
READER_RAISED = 3
# What the child inherits from the parent's environment: nothing else (no keys, no passwords).
_INHERITED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR")


class Unreadable(Exception):
    """The file could not be read. `reason`: `refused` (the reader raised: not the format, a header
    that cannot be honest), `memory`, `time`, or `crashed` (the child died otherwise). `detail` is
    for logs, not for users."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


def run_isolated(reader: str, path: str | os.PathLike) -> Any:
    """`reader(path)`, the reader named "module:function", run in a child process with at most
    FILE_PARSE_MEMORY_LIMIT bytes of address space, FILE_PARSE_CPU_SECONDS of CPU time and
    FILE_PARSE_TIMEOUT_SECONDS of wall-clock time. Returns the reader's (JSON-able) result; raises
    Unreadable."""
    timeout = settings.FILE_PARSE_TIMEOUT_SECONDS
    request = {
        "reader": reader,
        "path": os.fspath(path),
        "memory": settings.FILE_PARSE_MEMORY_LIMIT,
        "cpu": settings.FILE_PARSE_CPU_SECONDS,
        "language": translation.get_language() or settings.LANGUAGE_CODE,
        "locale_paths": [str(p) for p in settings.LOCALE_PATHS],
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="estran-sandbox-") as folder:
        request["result"] = result_path = os.path.join(folder, "result.json")
        errors_path = os.path.join(folder, "stderr")
        with open(errors_path, "wb") as errors:
            child = subprocess.Popen(
                [sys.executable, "-m", "repository.sandbox", json.dumps(request)],
                cwd=ROOT,
                env=_child_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=errors,
                close_fds=True,
                start_new_session=True,  # its own process group: killed whole on timeout
            )
            try:
                status = child.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill(child)
                status = None
        seconds = round(time.monotonic() - started, 3)
        try:
            outcome = _outcome(status, result_path, timeout)
        except Unreadable as exc:
            log.warning(
                "file.unreadable",
                reader=reader,
                reason=exc.reason,
                detail=exc.detail[:300],
                seconds=seconds,
                stderr=_tail(errors_path),
            )
            raise
    log.info("file.read_isolated", reader=reader, seconds=seconds)
    return outcome


def _child_environment() -> dict[str, str]:
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "PYTHONDONTWRITEBYTECODE": "1",
            # One thread each: OpenBLAS and OpenMP reserve address space per thread, which would count
            # against the memory limit and buy nothing for reading a header.
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "HDF5_USE_FILE_LOCKING": "FALSE",  # read-only; some file systems refuse HDF5's locks
        }
    )
    return env


def _kill(child: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.wait()


def _outcome(status: int | None, result_path: str, timeout: float) -> Any:
    if status is None:
        raise Unreadable("time", f"no answer within {timeout} s")
    if status in (-signal.SIGXCPU, -signal.SIGKILL):
        # SIGXCPU at the soft CPU limit, SIGKILL at the hard one (or from the kernel's OOM killer).
        raise Unreadable("time" if status == -signal.SIGXCPU else "crashed", f"signal {-status}")
    if status not in (0, READER_RAISED):
        raise Unreadable("crashed", f"exit status {status}")
    try:
        if os.path.getsize(result_path) > MAX_RESULT_BYTES:
            raise Unreadable("crashed", "answer too large")
        with open(result_path, encoding="utf-8") as fh:
            answer = json.load(fh)
    except (OSError, ValueError) as exc:
        raise Unreadable("crashed", f"no answer: {exc}") from None
    if status == READER_RAISED:
        error = str(answer.get("error"))
        reason = "memory" if error == "MemoryError" else "refused"
        raise Unreadable(reason, f"{error}: {answer.get('message', '')}")
    return answer["result"]


def _tail(path: str, length: int = 1500) -> str:
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, os.path.getsize(path) - length))
            return fh.read().decode("utf-8", "replace")
    except OSError:
        return ""


# --- The child ------------------------------------------------------------------------------------


def _limit(request: dict) -> None:
    """The limits, set by the child on itself before it imports the reader (and its C library)."""
    memory, cpu = int(request["memory"]), int(request["cpu"])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    # The soft limit sends SIGXCPU; the hard one, a second later, SIGKILL.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_RESULT_BYTES, MAX_RESULT_BYTES))


def _child(request: dict) -> int:
    _limit(request)
    # The child runs with no settings module: it configures only what the reader's notes need.
    settings.configure(
        USE_I18N=True, LANGUAGE_CODE=request["language"], LOCALE_PATHS=request["locale_paths"], INSTALLED_APPS=[]
    )
    django.setup()
    translation.activate(request["language"])
    module, _sep, name = request["reader"].partition(":")
    try:
        answer, status = {"result": getattr(importlib.import_module(module), name)(request["path"])}, 0
    except Exception as exc:  # noqa: BLE001 - the reader's failure is the answer
        answer, status = {"error": type(exc).__name__, "message": str(exc)[:1000]}, READER_RAISED
    with open(request["result"], "w", encoding="utf-8") as out:
        json.dump(answer, out)
    return status


if __name__ == "__main__":
    sys.stdout.flush()
    # os._exit: no interpreter teardown after a reader that may have left its C library half-way.
    os._exit(_child(json.loads(sys.argv[1])))

"""Estran's processes as `make run` starts them: Procfile.dev's web server and worker (with beat), in
a folder of their own, either on the embedded default (SQLite, the file-system broker, the local
store) or on the test suite's PostgreSQL and Redis, with accounts and API tokens for a scenario.

The soak test (tests/test_soak.py), the browser test of seven files (tests/e2e/
test_uploader_embedded_browser.py) and the soak benchmark (bench/soak/run.py) start Estran this way,
as tests/test_embedded_default.py does for one deposit."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import requests

ROOT = Path(__file__).resolve().parents[2]
PROCFILE = ROOT / "Procfile.dev"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_commands(*, port: int, beat_schedule: Path) -> dict[str, list[str]]:
    """Procfile.dev's commands as `make run` (honcho) runs them, with the web server on `port` and
    beat's schedule file at `beat_schedule`, so that several stacks can run side by side."""
    commands = {}
    for line in PROCFILE.read_text().splitlines():
        name, sep, command = line.partition(":")
        if not sep or line.lstrip().startswith("#"):
            continue
        command = command.strip().replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        command = command.replace("var/celerybeat-schedule", str(beat_schedule))
        commands[name.strip()] = shlex.split(command)
    return commands


def _database(url: str, *, drop: bool) -> None:
    """Create (or drop) the PostgreSQL database of `url`, from the server's `postgres` database."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop:
            conn.execute(f'CREATE DATABASE "{name}"')


# --- Prepared databases ----------------------------------------------------------------------------
#
# Migrating and loading the demo accounts take about 10 CPU seconds (Django started twice, the
# migrations, three passwords hashed). The first stack of a given code does it and keeps the result
# as a template: a copy of the SQLite file (var/stack-templates/), or a PostgreSQL database that
# new ones are created from (`CREATE DATABASE … TEMPLATE`); the next stacks start from a copy, the
# same database the commands would have written, and only the scenario's accounts are made in each.
# A template is named after a digest of the code that writes the database (the apps, their
# migrations and settings), so a change to any of it makes a new one; the templates of other code
# are removed when one is made. tests/test_embedded_default.py still migrates from nothing, as
# `make run` does on a new machine.

TEMPLATES = ROOT / "var" / "stack-templates"
_TEMPLATE_PREFIX = "estran_stack_"
_CODE = (
    *("accounts", "config", "core", "deposit", "moderation", "notifications", "oai", "preservation", "repository"),
    "vocabularies",
)


def _code_digest() -> str:
    """A digest of the Python files that decide what the prepared database holds."""
    import hashlib

    digest = hashlib.sha256()
    files = [ROOT / "manage.py"]
    for package in _CODE:
        files += sorted((ROOT / package).rglob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _prepare(stack: Stack, *, depositors: int, moderators: int) -> dict[str, str]:
    """Give the stack its migrated database with the demo accounts (from the template when there is
    one), then the scenario's accounts; returns their API tokens."""
    name = f"{_TEMPLATE_PREFIX}{_code_digest()}"
    if not _from_template(stack, name):
        stack.run("manage.py", "migrate", "--noinput", "-v0")
        stack.run("manage.py", "estran_load_demo")
        _keep_as_template(stack, name)
    if not (depositors or moderators):
        return {}
    out = stack.run("-m", "bench.soak.accounts", str(depositors), str(moderators))
    return json.loads(out.strip().splitlines()[-1])


def _sqlite_path(stack: Stack) -> Path:
    return Path(stack.env["DATABASE_URL"].removeprefix("sqlite:///"))


def _from_template(stack: Stack, name: str) -> bool:
    """Copy the template into the stack's database; False if there is none."""
    if stack.backend == "embedded":
        template = TEMPLATES / f"{name}.sqlite3"
        if not template.is_file():
            return False
        shutil.copyfile(template, _sqlite_path(stack))
        return True
    import psycopg

    url = urlparse(stack.env["DATABASE_URL"])
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return False
        target = url.path.lstrip("/")
        conn.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{name}"')
    return True


def _keep_as_template(stack: Stack, name: str) -> None:
    """Keep the stack's freshly migrated database as the template `name` (before any process of the
    stack opens it), and remove the templates of other code. Stacks preparing the same template at
    once each keep theirs; the last one wins, and they are the same."""
    import sqlite3

    if stack.backend == "embedded":
        TEMPLATES.mkdir(parents=True, exist_ok=True)
        partial = TEMPLATES / f"{name}.{uuid.uuid4().hex}.part"
        source, copy = sqlite3.connect(_sqlite_path(stack)), sqlite3.connect(partial)
        try:
            source.backup(copy)
        finally:
            source.close()
            copy.close()
        os.replace(partial, TEMPLATES / f"{name}.sqlite3")
        for old in TEMPLATES.glob(f"{_TEMPLATE_PREFIX}*"):
            if not old.name.startswith(name):
                old.unlink(missing_ok=True)
        return
    import psycopg

    url = urlparse(stack.env["DATABASE_URL"])
    with psycopg.connect(url._replace(path="/postgres").geturl(), autocommit=True) as conn:
        keep_database_as_template(conn, url.path.lstrip("/"), name, prefix=_TEMPLATE_PREFIX)


def keep_database_as_template(conn, source: str, template: str, *, prefix: str) -> None:
    """PostgreSQL (`conn`: autocommit, on another database): copy the database `source` as
    `template`, unless a process keeping the same one at this instant got there first (either is
    the template), and drop the other databases named `prefix…`, the templates of other code; one
    in use (another checkout's copy being made from it) is left for later."""
    import psycopg

    with suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation, psycopg.errors.ObjectInUse):
        conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{source}"')
    others = conn.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s", [f"{prefix}%", template]
    ).fetchall()
    for (other,) in others:
        with suppress(psycopg.errors.ObjectInUse):
            conn.execute(f'DROP DATABASE IF EXISTS "{other}"')


@dataclass
class Stack:
    backend: str  # "embedded" or "postgres"
    site: str
    env: dict[str, str]
    workdir: Path
    tokens: dict[str, str] = field(default_factory=dict)  # username -> API token
    commands: dict[str, list[str]] = field(default_factory=dict)  # Procfile.dev's, adapted
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def logs(self) -> Path:
        return self.workdir / "logs"

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def run(self, *args: str, timeout: float = 300) -> str:
        """A command (`manage.py …`, `-m bench.soak.audit`…) in this stack's environment; its stdout."""
        done = subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stderr[-4000:]}")
        return done.stdout

    def start(self, name: str) -> subprocess.Popen:
        """Start (or start again) one of Procfile.dev's processes; its log is appended to."""
        # The child writes to its own copy of the file descriptor: ours can be closed at once.
        with open(self.logs / f"{name}.log", "a") as log:
            self.processes[name] = subprocess.Popen(
                self.commands[name], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        return self.processes[name]

    def exited(self) -> list[str]:
        """The processes that exited (none while all is well)."""
        return [name for name, proc in self.processes.items() if proc.poll() is not None]


def stack_environment(
    workdir: Path,
    *,
    backend: str,
    port: int,
    email_url: str,
    database_url: str = "",
    broker_url: str = "",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Nothing from the caller's environment but PATH and HOME: the embedded default needs nothing
    else. The PostgreSQL stack adds its database, broker and a queue of its own."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOCAL_STORAGE_ROOT": str(workdir / "storage"),
        "EMAIL_URL": email_url,
    }
    if backend == "embedded":
        env["DATABASE_URL"] = f"sqlite:///{workdir / 'estran.sqlite3'}"
        env["CELERY_BROKER_FOLDER"] = str(workdir / "broker")
    elif backend == "postgres":
        env["DATABASE_URL"] = database_url
        env["CELERY_BROKER_URL"] = broker_url
        env["CELERY_TASK_DEFAULT_QUEUE"] = f"estran-soak-{uuid.uuid4().hex[:12]}"
    else:
        raise ValueError(f"Unknown backend {backend!r}.")
    env.update(extra or {})
    return env


@contextmanager
def running_stack(
    workdir: Path,
    *,
    backend: str = "embedded",
    email_url: str,
    depositors: int = 0,
    moderators: int = 0,
    database_url: str = "",
    broker_url: str = "",
    extra_env: dict[str, str] | None = None,
    start_timeout: float = 90,
) -> Iterator[Stack]:
    """Migrate, load the demo accounts (as `make run`), create `depositors` and `moderators` (of the
    ocean community) with API tokens (or copy a database prepared so before: `_prepare`), start
    Procfile.dev's processes and wait until the web server answers /healthz and the worker is ready;
    stop them on exit (and drop the PostgreSQL database)."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = stack_environment(
        workdir,
        backend=backend,
        port=port,
        email_url=email_url,
        database_url=database_url,
        broker_url=broker_url,
        extra=extra_env,
    )
    stack = Stack(backend=backend, site=env["SITE_URL"], env=env, workdir=workdir)
    stack.logs.mkdir(exist_ok=True)
    if backend == "postgres":
        _database(database_url, drop=False)
    try:
        stack.tokens = _prepare(stack, depositors=depositors, moderators=moderators)
        stack.commands = procfile_commands(port=port, beat_schedule=workdir / "celerybeat-schedule")
        for name in stack.commands:
            stack.start(name)
        deadline = time.monotonic() + start_timeout
        while True:
            try:
                web_up = requests.get(f"{stack.site}/healthz", timeout=10).status_code == 200
            except requests.RequestException:  # not listening yet, or busy starting
                web_up = False
            if web_up and "ready." in stack.log("worker"):
                break
            if time.monotonic() > deadline or stack.exited():
                raise RuntimeError(
                    f"Estran ({backend}) did not start:\n--- web\n{stack.log('web')[-2000:]}\n"
                    f"--- worker\n{stack.log('worker')[-2000:]}"
                )
            time.sleep(0.3)
        yield stack
    finally:
        for proc in stack.processes.values():
            proc.terminate()
        for proc in stack.processes.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if backend == "postgres":
            _database(database_url, drop=True)

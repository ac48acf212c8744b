"""The cast of every test (depositor, other_depositor, moderator of the ocean community,
other_moderator, admin), an API client factory, and access to the real services.

With CI=true a test that needs a missing service fails instead of skipping."""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest
from pytest_django.plugin import blocking_manager_key

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# The benchmarks' anti-rot tests (each runs a bench/*/run.py end to end) run them at their smallest
# in `make test`; `make bench-check` sets ESTRAN_BENCH_FULL=1 for the bigger runs they had before.
BENCH_FULL = os.environ.get("ESTRAN_BENCH_FULL", "") == "1"


def require_service(name: str, url: str) -> None:
    """Skip (locally) or fail (in CI) when the service at `url` does not answer."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port), timeout=2):
            return
    except OSError as exc:
        message = f"{name} is not reachable at {parsed.hostname}:{parsed.port} ({exc})"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def _real_services():
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        require_service("PostgreSQL", f"postgres://{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}")
    if settings.CELERY_BROKER_URL.startswith("redis://"):
        require_service("Redis", settings.CELERY_BROKER_URL)


# --- The test databases, from a template -----------------------------------------------------------
#
# On PostgreSQL, each process of the suite creates its test database by running every migration (10
# seconds). The first process of a given code keeps its freshly migrated database as a template
# (`estran_testdb_<digest>`, named after the same digest of the apps' code as the stacks' templates,
# bench/soak/stack.py) and the next ones are created from it (`CREATE DATABASE … TEMPLATE`), then
# checked by Django's `migrate` as with `--reuse-db`; templates of other code are removed.

_TEST_TEMPLATE_PREFIX = "estran_testdb_"


def _postgres_admin(settings_dict):
    import psycopg

    return psycopg.connect(
        host=settings_dict.get("HOST") or "127.0.0.1",
        port=settings_dict.get("PORT") or 5432,
        user=settings_dict.get("USER") or "postgres",
        password=settings_dict.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )


def _test_database() -> tuple[dict, str, str] | None:
    """(settings, test database name, template name) on PostgreSQL; None on SQLite."""
    from django.db import connection

    from bench.soak.stack import _code_digest

    if connection.vendor != "postgresql":
        return None
    name = connection.creation._get_test_db_name()
    return connection.settings_dict, name, f"{_TEST_TEMPLATE_PREFIX}{_code_digest()}"


@pytest.fixture(scope="session")
def django_db_keepdb(request, django_db_modify_db_settings) -> bool:
    """Keep (reuse) the test database when it was just made from the template; pytest-django's
    `--reuse-db` otherwise."""
    import time

    import psycopg

    found = _test_database()
    if found is None:
        return request.config.getvalue("reuse_db")
    settings_dict, name, template = found
    with _postgres_admin(settings_dict) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone():
            return request.config.getvalue("reuse_db")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for attempt in range(20):  # the other process may be creating its own from it this instant
            try:
                conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
                return True
            except psycopg.errors.ObjectInUse:
                time.sleep(0.25 * (attempt + 1))
    return request.config.getvalue("reuse_db")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker, django_db_keepdb):
    """pytest-django's, then the freshly migrated test database kept as the template (see above)."""
    from django.db import connections

    from bench.soak.stack import keep_database_as_template

    found = _test_database()
    if found is not None and not django_db_keepdb:
        settings_dict, name, template = found
        with django_db_blocker.unblock():
            connections.close_all()
        with _postgres_admin(settings_dict) as conn:
            keep_database_as_template(conn, name, template, prefix=_TEST_TEMPLATE_PREFIX)
    return django_db_setup


def seed_communities() -> None:
    """The five communities of the data migration, created where missing."""
    import importlib

    from accounts.models import Community

    seed = importlib.import_module("accounts.migrations.0002_seed_communities")
    addresses = importlib.import_module("accounts.migrations.0004_community_contact_email")
    for slug, name, acronym, description in seed.COMMUNITIES:
        Community.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "acronym": acronym,
                "description": description,
                "contact_email": f"{addresses.ADDRESSES[slug]}@{addresses.mail_domain()}",
            },
        )


@pytest.fixture
def communities(db):
    """The five communities (see `seed_communities`)."""
    from accounts.models import Community

    seed_communities()
    return {c.slug: c for c in Community.objects.all()}


def _flushes_the_database(item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(
        "transactional_db" in fixtures or "live_server" in fixtures or (marker and marker.kwargs.get("transaction"))
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test empties every table when it ends, the data migration's communities
    included: they are put back, so that the tests after it on the same database (in whatever order
    pytest-xdist hands them out) find the database as migrations left it."""
    from django.db import connection

    result = yield
    # Only on a test database: a test skipped before pytest-django created one leaves the settings
    # naming the real database.
    name = str(connection.settings_dict["NAME"])
    if _flushes_the_database(item) and (name.startswith("test_") or "memory" in name):
        with item.config.stash[blocking_manager_key].unblock():
            seed_communities()
    return result


def _user(username: str, **extra):
    from accounts.services import user_create

    return user_create(
        username=username,
        email=f"{username}@example.org",
        password="correct horse battery",
        display_name=username.replace("_", " ").title(),
        **extra,
    )


@pytest.fixture
def depositor(db):
    return _user("depositor")


@pytest.fixture
def other_depositor(db):
    return _user("other_depositor")


@pytest.fixture
def moderator(db, communities):
    from accounts.services import moderator_grant

    user = _user("moderator")
    moderator_grant(user=user, community=communities["ocean"])
    return user


@pytest.fixture
def other_moderator(db, communities):
    from accounts.services import moderator_grant

    user = _user("other_moderator")
    moderator_grant(user=user, community=communities["atmosphere"])
    return user


@pytest.fixture
def admin(db):
    return _user("admin", is_staff=True, is_superuser=True)


@pytest.fixture
def api_client(db):
    """`api_client(user)`: a Django test client that sends a fresh API token of `user`
    (`api_client(None)`: anonymous)."""
    from django.test import Client

    from accounts.services import api_token_create

    def make(user=None):
        if user is None:
            return Client()
        _token, raw = api_token_create(user=user, name="test")
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    return make


@pytest.fixture
def eager_celery(settings):
    """Tasks run in-process at once, for tests that need no worker (those with one use
    `celery_worker`). Celery's configuration is read before the setting changes, so that the
    previous mode is restored."""
    from config.celery import app

    saved = app.conf.task_always_eager, app.conf.task_eager_propagates
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = saved


@pytest.fixture(autouse=True)
def _isolated_storage(settings, tmp_path):
    """Each test stores files in its own folder."""
    settings.LOCAL_STORAGE_ROOT = tmp_path / "storage"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's language: a request in French through the test client leaves
    French active in the thread (LocaleMiddleware activates the request's language and nothing
    deactivates it afterwards), which a later test of the same process would otherwise inherit."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- A real Celery worker and the DataCite test server, for integration tests -------------------

DATACITE_USERNAME = "ESTRAN.TEST"
DATACITE_PASSWORD = "correct-horse"
DATACITE_PREFIX = "10.80000"


@pytest.fixture(scope="session")
def datacite_server():
    """A local server speaking the DataCite REST API, shared by the session (reset per test by
    `datacite`)."""
    from tests.fakes.datacite_server import FakeDataCite

    server = FakeDataCite(username=DATACITE_USERNAME, password=DATACITE_PASSWORD, prefixes=[DATACITE_PREFIX])
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, datacite_server, tmp_path_factory):
    """A real `celery worker` process consuming this session's Redis queue, on the test database,
    with the `datacite` provider pointed at the session's DataCite server."""
    from django.conf import settings

    from tests.fakes.celery_worker import celery_worker_process

    env = {
        "DATACITE_API_URL": datacite_server.url,
        "DATACITE_USERNAME": DATACITE_USERNAME,
        "DATACITE_PASSWORD": DATACITE_PASSWORD,
        "DATACITE_PREFIX": DATACITE_PREFIX,
        "DATACITE_TIMEOUT": "3",
        "DOI_RETRY_BASE_SECONDS": "1",
        "DOI_RETRY_MAX_SECONDS": "2",
    }
    with celery_worker_process(
        queue=settings.CELERY_TASK_DEFAULT_QUEUE, env=env, log_dir=tmp_path_factory.mktemp("worker")
    ) as proc:
        yield proc


@pytest.fixture
def datacite(datacite_server, settings):
    """The DataCite server, emptied, and this process's settings pointing at it."""
    datacite_server.reset()
    settings.DOI_PROVIDER = "datacite"
    settings.DATACITE_API_URL = datacite_server.url
    settings.DATACITE_USERNAME = DATACITE_USERNAME
    settings.DATACITE_PASSWORD = DATACITE_PASSWORD
    settings.DATACITE_PREFIX = DATACITE_PREFIX
    return datacite_server


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.2, message: str = "condition"):
    """Poll until `predicate()` is truthy (work done by another process); fail after `timeout`."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout}s waiting for {message}.")
        time.sleep(interval)


# --- The S3 API server (moto) on loopback, its settings and its worker (tests/fakes/s3_server.py) -

from tests import durations  # noqa: E402
from tests.fakes.s3_server import s3, s3_celery_worker, s3_server, s3_worker  # noqa: E402,F401


def pytest_collection_modifyitems(config, items):
    """Items sharing a node id (Schemathesis' operations) cannot be split by pytest-xdist, which
    runs an item by its node id: only the first would run. They must be marked `serial`, which
    `make test` runs alone, without pytest-xdist."""
    from collections import Counter

    shared = [
        nodeid
        for nodeid, count in Counter(item.nodeid for item in items if not item.get_closest_marker("serial")).items()
        if count > 1
    ]
    if shared:
        raise pytest.UsageError("Items sharing a node id must be marked serial: " + ", ".join(shared[:5]))
    # The longest files first (`tests/durations.json`, from a run of the suite): pytest-xdist hands
    # files out in this order (`--dist loadfile`), so that the short ones fill in at the end and
    # neither process waits for the other's last long file. The sort is stable: a file's items stay
    # together and in order.
    seconds = durations.load()
    items.sort(key=lambda item: -_expected_seconds(item, seconds))


def _expected_seconds(item, seconds: dict[str, int]) -> int:
    """How long the item's file took in the last measured run; a file not measured yet, 10 s if it
    drives a browser, else nothing."""
    path = item.nodeid.split("::", 1)[0]
    return seconds.get(path, 10 if item.get_closest_marker("browser") else 0)

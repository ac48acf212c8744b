"""Fixtures for the fake DataCite server: import them into a test module (or a conftest)."""

from __future__ import annotations

import pytest

from tests.fakes.datacite_server import FakeDataCite

DATACITE_USERNAME = "ESTRAN.TEST"
DATACITE_PASSWORD = "correct-horse"
DATACITE_PREFIX = "10.80000"


@pytest.fixture
def fake_datacite():
    """A running `FakeDataCite` for one account with one prefix."""
    server = FakeDataCite(username=DATACITE_USERNAME, password=DATACITE_PASSWORD, prefixes=[DATACITE_PREFIX])
    server.start()
    yield server
    server.stop()


@pytest.fixture
def datacite_settings(settings, fake_datacite):
    """Django settings pointing the DataCite provider at `fake_datacite`."""
    settings.DOI_PROVIDER = "datacite"
    settings.DATACITE_API_URL = fake_datacite.url
    settings.DATACITE_USERNAME = DATACITE_USERNAME
    settings.DATACITE_PASSWORD = DATACITE_PASSWORD
    settings.DATACITE_PREFIX = DATACITE_PREFIX
    settings.DATACITE_TIMEOUT = 5.0
    return settings

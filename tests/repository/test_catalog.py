"""The repository's own identifiers (REPOSITORY_ROR_ID, REPOSITORY_RE3DATA_ID): the forms an operator
may type are accepted and normalised, anything else is refused at start-up with the form it must
have."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from repository.catalog import checked_re3data, checked_ror, this_repository

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("typed", ["02feahw73", "https://ror.org/02feahw73", "http://ror.org/02feahw73", " 02feahw73 "])
def test_a_ror_id_is_taken_bare_or_as_its_url(typed):
    assert checked_ror(typed) == "https://ror.org/02feahw73"


@pytest.mark.parametrize(
    "typed",
    [
        "02feahw74",  # a check digit wrong
        "02FEAHW73",  # ROR ids are lower case
        "02feahi73",  # i is not a Crockford base-32 letter (idutils' pattern takes it)
        "https://ror.org/",
        "grid.4444.0",
        "https://example.org/02feahw73",
    ],
)
def test_anything_else_is_refused_with_the_form_a_ror_id_has(typed):
    with pytest.raises(ImproperlyConfigured, match=r"REPOSITORY_ROR_ID=.* is not a ROR id: https://ror.org/02feahw73"):
        checked_ror(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "10.17616/R31NJMSY",
        "doi:10.17616/R31NJMSY",
        "https://doi.org/10.17616/r31njmsy",
        "http://dx.doi.org/10.17616/R31NJMSY",
    ],
)
def test_a_re3data_doi_is_taken_bare_prefixed_or_as_a_url(typed):
    assert checked_re3data(typed) == "10.17616/R31NJMSY"


@pytest.mark.parametrize(
    "typed", ["r3d100010134", "10.5281/zenodo.123", "10.17616/", "https://www.re3data.org/repository/r3d100010134"]
)
def test_re3data_s_own_id_or_another_doi_is_refused(typed):
    with pytest.raises(ImproperlyConfigured, match=r"REPOSITORY_RE3DATA_ID=.* is not a re3data DOI: 10.17616/R3"):
        checked_re3data(typed)


def test_unset_means_none_published(settings):
    settings.REPOSITORY_ROR_ID = settings.REPOSITORY_RE3DATA_ID = ""
    repository = this_repository()
    assert repository.ror is None and repository.re3data is None
    assert repository.url == settings.SITE_URL + "/"


def settings_load(**environ) -> subprocess.CompletedProcess:
    env = {**os.environ, **environ, "DJANGO_SETTINGS_MODULE": "config.settings.local"}
    code = "import django; django.setup(); from django.conf import settings; "
    code += "print(settings.REPOSITORY_ROR_ID, settings.REPOSITORY_RE3DATA_ID)"
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_the_settings_hold_the_normalised_identifiers_or_refuse_to_load():
    loaded = settings_load(REPOSITORY_ROR_ID="02feahw73", REPOSITORY_RE3DATA_ID="doi:10.17616/r31njmsy")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.split() == ["https://ror.org/02feahw73", "10.17616/R31NJMSY"]
    refused = settings_load(REPOSITORY_ROR_ID="02feahw74")
    assert refused.returncode != 0
    assert "ImproperlyConfigured: REPOSITORY_ROR_ID='02feahw74' is not a ROR id" in refused.stderr

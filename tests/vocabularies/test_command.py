"""manage.py estran_load_thesaurus: counts on stdout, progress on stderr, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from .conftest import DEMO, ROOT


def _run(*args, **options):
    out, err = StringIO(), StringIO()
    call_command("estran_load_thesaurus", *args, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_the_command_reports_counts_per_thesaurus_and_progress_by_batch(db):
    out, err = _run(str(DEMO), batch_size=20)
    assert "nvs-p02: 142 concepts in the file; 142 created, 0 updated, 0 unchanged, 0 deprecated" in out
    assert "iso19115-topic-categories: 19 concepts in the file; 19 created" in out
    assert err.startswith(f"Parsing {DEMO}")
    assert "nvs-p02: 20/142 concepts written (14%)" in err
    assert "nvs-p02: 142/142 concepts written (100%)" in err
    again, _ = _run(str(DEMO))
    assert "nvs-c19: 99 concepts in the file; 0 created, 0 updated, 99 unchanged, 0 deprecated" in again


def test_the_command_is_quiet_at_verbosity_zero(db):
    out, err = _run(str(DEMO), verbosity=0)
    assert out == "" and err == ""


def test_the_command_fails_with_the_reason(db, tmp_path):
    with pytest.raises(CommandError, match="holds 6 thesauri"):
        _run(str(DEMO), slug="all")
    with pytest.raises(CommandError, match="No such file"):
        _run(str(tmp_path / "missing.rdf"))


def test_on_sqlite_the_demo_loads_and_the_type_ahead_answers(tmp_path):
    """The embedded default (SQLite, no trigram index): the same command and the same search."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/root"),
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'estran.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }

    def manage(*args):
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    # One process, as three manage.py runs would do it (each would load Django again: 3 s apiece).
    script = (
        "from django.core.management import call_command; from django.test import Client; import json;"
        "call_command('migrate', '--noinput', verbosity=0);"
        f"call_command('estran_load_thesaurus', {str(DEMO)!r}, '--keep-other-sources');"
        "c = Client(HTTP_HOST='127.0.0.1');"
        "r = c.get('/vocabularies/search', {'q': 'Température', 'lang': 'fr', 'thesaurus': 'nvs-p02'});"
        "print(json.dumps([x['label'] for x in r.json()['results']], ensure_ascii=False));"
        "r = c.get('/vocabularies/search', {'q': 'ctd'}); print(r.json()['results'][0]['label'])"
    )
    out = manage("shell", "-c", script)
    assert "nvs-p02: 142 concepts in the file; 142 created" in out
    labels, first = out.strip().splitlines()[-2:]
    assert "Température de la colonne d'eau" in labels
    assert first == "CTD"

"""The GCMD science keywords that `make run` loads beside the demo set (issue 15): the describe
step's keyword picker (`theme`) finds "ocean temperature" in them, and still works, on the
thesauri it has, where they are not loaded."""

from __future__ import annotations

import time

from tests.vocabularies.conftest import ROOT

SCIENCE = ROOT / "vocabularies" / "data" / "gcmd-sciencekeywords-2020.rdf"


def test_the_theme_picker_finds_ocean_temperature_in_the_science_keywords(db, demo, client):
    from vocabularies.services import thesaurus_load

    def search(q: str) -> dict:
        response = client.get("/vocabularies/search", {"q": q, "keyword_type": "theme"}, HTTP_ACCEPT="application/json")
        assert response.status_code == 200, response.content
        return response.json()

    assert search("ocean temperature")["results"] == []  # the demo set alone: found nothing, and no error
    assert [h["label"] for h in search("oceans")["results"]][:1] == ["Oceans"]
    asked = client.get("/vocabularies/search", {"q": "ocean", "thesaurus": "gcmd-sciencekeywords"})
    assert asked.status_code == 400  # named explicitly, a thesaurus not loaded is still refused

    started = time.monotonic()
    (report,) = thesaurus_load(path=SCIENCE, keep_other_sources=True)
    loading = time.monotonic() - started
    assert (report.slug, report.title) == ("gcmd-sciencekeywords", "GCMD Science Keywords")
    assert loading < 30, loading  # make run loads it each time it starts

    hits = search("ocean temperature")["results"]
    assert hits and hits[0]["label"] == "OCEAN TEMPERATURE"
    assert hits[0]["thesaurus"]["slug"] == "gcmd-sciencekeywords"
    assert hits[0]["uri"].startswith("https://gcmd.earthdata.nasa.gov/kms/concept/")
    # reloading (make run again) changes nothing
    (again,) = thesaurus_load(path=SCIENCE, keep_other_sources=True)
    assert again.slug == "gcmd-sciencekeywords"
    assert search("ocean temperature")["results"][0]["uri"] == hits[0]["uri"]

"""The wizard and the review page with the largest deposit the metadata's limits allow (issue 12,
item 9): the people step of 2,000 creators and 500 contributors, with 10 affiliations each, saves in
one autosave (Django's default limit of 1,000 form fields stopped at about 200 creators), and a list
beyond the limit is flagged at its field."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from deposit import services, wizard
from deposit.models import Deposit
from repository import limits
from tests.factories import complete_metadata


def person(kind: str, i: int) -> dict:
    return {
        "name": f"{kind}{i}, Anne",
        "orcid": "",
        "contributor_type": "Researcher",
        "affiliations": [{"name": f"Institute {j} of {i}", "ror": ""} for j in range(limits.AFFILIATIONS)],
    }


def test_the_largest_people_step_the_limits_allow_saves_in_one_autosave(client, depositor, communities):
    deposit = services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")
    typed = {
        "creators": [person("Author", i) for i in range(limits.CREATORS)],
        "contributors": [person("Helper", i) for i in range(limits.CONTRIBUTORS)],
        "funding_references": [
            {"funder_name": f"Funder {i}", "award_number": f"A-{i}"} for i in range(limits.FUNDING_REFERENCES)
        ],
    }
    fields = wizard.step_values_flat("people", {**deposit.metadata, **typed}, deposit)
    assert 60_000 < len(fields) + 3 <= settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    client.force_login(depositor)

    response = client.post(
        reverse("deposit:wizard-save", kwargs={"pk": deposit.pk}),
        {"step": "people", "revision": deposit.revision, **fields},
    )

    assert response.status_code == 200, response.content[:300]
    assert not [p for p in response.json()["problems"] if p["anchor"].startswith(("f-creators", "f-contributors"))]
    saved = Deposit.objects.get(pk=deposit.pk).metadata
    assert len(saved["creators"]) == limits.CREATORS and len(saved["contributors"]) == limits.CONTRIBUTORS
    assert saved["creators"][-1]["affiliations"][-1]["name"] == f"Institute 9 of {limits.CREATORS - 1}"


def test_one_creator_too_many_is_flagged_at_the_creators(client, depositor, communities):
    metadata = {**complete_metadata(), "creators": [{"name": f"Author{i}, Anne"} for i in range(limits.CREATORS + 1)]}
    deposit = services.deposit_create(owner=depositor, metadata=metadata, community="ocean")
    client.force_login(depositor)
    fields = wizard.step_values_flat("people", metadata, deposit)

    response = client.post(
        reverse("deposit:wizard-save", kwargs={"pk": deposit.pk}),
        {"step": "people", "revision": deposit.revision, **fields},
    )

    assert response.status_code == 200
    assert {
        "anchor": "f-creators",
        "message": "At most 2000 are allowed here.",
        "where": "Creators",
    } in response.json()["problems"]

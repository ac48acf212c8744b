"""The review page of a deposit with as many creators as the limits allow (issue 12, item 9): 5,000
creators made a page of 8.6 MB that took 12 s; now the first 100 items of a list have their own
comment form and the others are one line each under one form for the whole list, in a bounded
number of queries."""

from __future__ import annotations

import re

from django.urls import reverse

from deposit import services
from moderation import conversation
from moderation.review import FULL_ITEMS
from repository import limits
from tests.factories import complete_metadata, deposit_with_file


def test_the_review_of_2000_creators_is_light_and_every_creator_is_shown(
    client, depositor, moderator, communities, django_assert_max_num_queries
):
    metadata = complete_metadata()
    metadata["creators"] = [
        {
            "name": f"Author{i:04}, Anne",
            "orcid": "",
            "affiliations": [{"name": "Ifremer", "ror": "https://ror.org/044jxhp58"}],
        }
        for i in range(limits.CREATORS)
    ]
    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=metadata)
    deposit = services.deposit_act(deposit=deposit, action="submit", actor=depositor)
    services.deposit_act(deposit=deposit, action="claim", actor=moderator)
    conversation.comment_add(deposit=deposit, author=moderator, body="Are all of them authors?", field="creators")
    client.force_login(moderator)

    with django_assert_max_num_queries(25):
        response = client.get(reverse("moderation:review", kwargs={"pk": deposit.pk}))

    assert response.status_code == 200
    page = response.content.decode()
    assert len(response.content) < 1_500_000
    assert all(f"Author{i:04}, Anne" in page for i in range(limits.CREATORS))
    forms = re.findall(r'name="field" value="(creators[-\d]*)"', page)
    assert forms == [f"creators-{i}" for i in range(FULL_ITEMS)] + ["creators"]
    whole_list = page[page.index('id="field-creators"') :]
    assert f"Creators {FULL_ITEMS + 1} – Creators {limits.CREATORS}" in whole_list
    assert "Are all of them authors?" in whole_list

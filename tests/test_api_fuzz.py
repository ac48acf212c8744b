"""Property-based fuzzing of the REST API with Schemathesis, against its own description
(/api/openapi.json, loaded from the Django app through WSGI): every operation, called as a depositor
and as a moderator of the ocean community, answers without a server error (no 5xx), with a status
the description documents, and a body that matches the documented schema (successes and the one
error shape alike).

Deterministic (Hypothesis derandomized, no example database) and bounded: `FUZZ_EXAMPLES` examples
per operation (10 by default: about a minute in `make test`); `make fuzz`, nightly, runs a few
hundred and Schemathesis' coverage phase too (`FUZZ_COVERAGE=1`: the boundary values of every field,
minutes on the metadata document alone). Generated ids are mostly the ids of real objects made for
each operation (a draft to edit and delete, a deposit in review, a published record, an upload
session, a comment, an invitation, a reviewer link), so that the operations reach their services and
not only their 404s."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.factories import complete_metadata, deposit_with_file

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "10"))
FUZZ_COVERAGE = os.environ.get("FUZZ_COVERAGE", "") == "1"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

# Schemathesis' items (one an operation) share one node id, and pytest-xdist runs an item by its
# node id: in the parallel part of `make test` only the first operation would run. They run alone,
# after it (Makefile `test`).
pytestmark = pytest.mark.serial


@pytest.fixture
def _connection_kept():
    """The app is called through WSGI, not Django's test client: like the client, keep the request
    signals from closing the test's database connection (and its transaction) after each call."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def fuzz_world(_connection_kept, depositor, other_depositor, moderator, communities):
    """Real objects for the generated ids to point at, and a token for each role."""
    from accounts.services import api_token_create
    from deposit import services
    from deposit.models import Collaboration
    from deposit.workflow import Action
    from moderation.conversation import comment_add

    draft = deposit_with_file(depositor, community=communities["ocean"])
    services.collaborator_invite(deposit=draft, actor=depositor, email=other_depositor.email)
    upload = services.upload_open(deposit=draft, actor=depositor, name="more.csv", size=10)
    submitted = services.deposit_act(
        deposit=deposit_with_file(depositor, community=communities["ocean"], metadata=complete_metadata("In review")),
        action=Action.submit,
        actor=depositor,
    )
    published = deposit_with_file(depositor, community=communities["ocean"], metadata=complete_metadata("Published"))
    services.deposit_act(deposit=published, action=Action.submit, actor=depositor)
    services.deposit_act(deposit=published, action=Action.claim, actor=moderator)
    published = services.deposit_act(deposit=published, action=Action.approve, actor=moderator)
    comment = comment_add(deposit=submitted, author=moderator, body="Which CTD?", field="title")
    link, _token = services.reviewer_link_create(deposit=draft, actor=depositor, label="Journal of Marine Systems")
    tokens = {
        role: api_token_create(user=user, name="fuzz")[1]
        for role, user in (("depositor", depositor), ("moderator", moderator))
    }
    ids = {
        "pk": [draft.pk, submitted.pk, published.record_id],
        "file_id": [f.pk for f in draft.files.all()],
        "upload_id": [upload.pk],
        "collaboration_id": [c.pk for c in Collaboration.objects.filter(deposit=draft)],
        "comment_id": [comment.pk],
        "link_id": [link.pk],
    }
    return {"tokens": tokens, "ids": ids}


# Loaded once, at collection, from the app itself (the description needs no database).
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
schema.config.phases.coverage.enabled = FUZZ_COVERAGE


def _real_ids(case, ids: dict) -> None:
    """Most generated ids become real ones (chosen by the generated value itself, so that the run
    stays deterministic); the rest are kept, and reach the 404s."""
    for name, value in (case.path_parameters or {}).items():
        choices = ids.get(name)
        if choices and isinstance(value, int) and value % 4 != 3:
            case.path_parameters[name] = choices[value % len(choices)]


@schema.parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck)
)
@pytest.mark.django_db
def test_every_operation_answers_as_documented_for_a_depositor_and_a_moderator(case, fuzz_world):
    _real_ids(case, fuzz_world["ids"])
    for role in ("depositor", "moderator"):
        case.call_and_validate(headers={"Authorization": f"Bearer {fuzz_world['tokens'][role]}"}, checks=CHECKS)

"""Co-depositors: the owner invites by e-mail or ORCID iD, the invitee accepts, and then edits and
submits the deposit like its owner; nobody else gains anything."""

import pytest
from django.urls import reverse

from deposit.models import Collaboration, Deposit
from tests.factories import complete_metadata, deposit_with_file


@pytest.fixture
def deposit(depositor, communities):
    return deposit_with_file(depositor, community=communities["ocean"])


def _invite(api_client, owner, deposit, **who):
    return api_client(owner).post(f"/api/deposits/{deposit.pk}/collaborators", who, content_type="application/json")


def test_an_invitation_by_email_reaches_the_account_with_that_verified_address_and_mails_it(
    api_client, depositor, other_depositor, deposit, mailoutbox, django_capture_on_commit_callbacks, eager_celery
):
    with django_capture_on_commit_callbacks(execute=True):
        answer = _invite(api_client, depositor, deposit, email="Other_Depositor@Example.org")
    assert answer.status_code == 201, answer.content
    assert answer.json()["user"] == "other_depositor" and answer.json()["state"] == "pending"
    assert [m.to for m in mailoutbox] == [["other_depositor@example.org"]]
    assert "/deposits/invitations" in mailoutbox[0].body

    invited = api_client(other_depositor)
    assert [i["deposit_id"] for i in invited.get("/api/invitations").json()] == [deposit.pk]
    # Not a co-depositor until accepted.
    assert invited.get(f"/api/deposits/{deposit.pk}").status_code == 404


def test_a_co_depositor_who_accepted_edits_and_submits_the_deposit(api_client, depositor, other_depositor, deposit):
    invitation = _invite(api_client, depositor, deposit, email="other_depositor@example.org").json()
    co = api_client(other_depositor)
    accepted = co.post(f"/api/invitations/{invitation['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"

    assert [d["id"] for d in co.get("/api/deposits").json()] == [deposit.pk]
    metadata = complete_metadata("Edited by the co-depositor")
    patched = co.patch(f"/api/deposits/{deposit.pk}", {"metadata": metadata}, content_type="application/json")
    assert patched.status_code == 200 and patched.json()["title"] == "Edited by the co-depositor"
    submitted = co.post(f"/api/deposits/{deposit.pk}/actions", {"action": "submit"}, content_type="application/json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    event = Deposit.objects.get(pk=deposit.pk).events.get(action="submit")
    assert event.actor == other_depositor


def test_an_invitation_by_orcid_reaches_only_an_authenticated_orcid(api_client, depositor, deposit, db):
    from accounts.services import user_create

    verified = user_create(username="verified", email="v@example.org", password="a-long-password-1")
    verified.orcid, verified.orcid_authenticated = "0000-0002-1825-0097", True
    verified.save()
    typed = user_create(username="typed", email="t@example.org", password="a-long-password-2")
    typed.orcid, typed.orcid_authenticated = "0000-0002-1825-0097", False
    typed.save()

    answer = _invite(api_client, depositor, deposit, orcid="https://orcid.org/0000-0002-1825-0097")
    assert answer.status_code == 201 and answer.json()["orcid"] == "0000-0002-1825-0097"
    assert [i["deposit_id"] for i in api_client(verified).get("/api/invitations").json()] == [deposit.pk]
    assert api_client(typed).get("/api/invitations").json() == []


def test_an_invitation_to_an_unknown_address_waits_for_the_account_that_verifies_it(api_client, depositor, deposit, db):
    from allauth.account.models import EmailAddress

    from accounts.services import user_create

    assert _invite(api_client, depositor, deposit, email="newcomer@example.org").json()["user"] is None
    newcomer = user_create(
        username="newcomer", email="newcomer@example.org", password="a-long-password-3", email_verified=False
    )
    assert api_client(newcomer).get("/api/invitations").json() == []  # an unverified address proves nothing
    EmailAddress.objects.filter(user=newcomer).update(verified=True)
    assert len(api_client(newcomer).get("/api/invitations").json()) == 1


@pytest.mark.parametrize(
    ("who", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"orcid": "0000-0002-1825-0098"}, "orcid"),  # wrong check digit
        ({"email": "a@example.org", "orcid": "0000-0002-1825-0097"}, "email"),
        ({}, "email"),
        ({"email": "depositor@example.org"}, "email"),  # the owner
    ],
)
def test_a_bad_invitation_is_refused_at_its_field(api_client, depositor, deposit, who, field):
    answer = _invite(api_client, depositor, deposit, **who)
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == field
    assert not Collaboration.objects.exists()


def test_the_same_person_cannot_be_invited_twice(api_client, depositor, other_depositor, deposit):
    assert _invite(api_client, depositor, deposit, email="other_depositor@example.org").status_code == 201
    again = _invite(api_client, depositor, deposit, email="OTHER_depositor@example.org")
    assert again.status_code == 422 and "already invited" in again.json()["detail"]
    assert Collaboration.objects.count() == 1


def test_only_the_owner_invites(api_client, depositor, other_depositor, moderator, admin, deposit):
    from accounts.services import user_create

    co = user_create(username="co", email="co@example.org", password="a-long-password-4")
    invitation = _invite(api_client, depositor, deposit, email="co@example.org").json()
    api_client(co).post(f"/api/invitations/{invitation['id']}/accept")
    assert _invite(api_client, co, deposit, email="x@example.org").status_code == 403
    assert _invite(api_client, other_depositor, deposit, email="x@example.org").status_code == 404
    assert _invite(api_client, moderator, deposit, email="x@example.org").status_code == 404  # a draft
    assert _invite(api_client, admin, deposit, email="x@example.org").status_code == 201
    assert (
        api_client(None)
        .post(f"/api/deposits/{deposit.pk}/collaborators", {"email": "x@example.org"}, content_type="application/json")
        .status_code
        == 401
    )


def test_nobody_else_can_accept_or_decline_an_invitation(api_client, depositor, other_depositor, moderator, deposit):
    invitation = _invite(api_client, depositor, deposit, email="other_depositor@example.org").json()
    for intruder in (moderator, depositor):
        assert api_client(intruder).post(f"/api/invitations/{invitation['id']}/accept").status_code == 404
    assert Collaboration.objects.get().state == "pending"
    declined = api_client(other_depositor).post(f"/api/invitations/{invitation['id']}/decline")
    assert declined.json()["state"] == "declined"
    assert api_client(other_depositor).post(f"/api/invitations/{invitation['id']}/accept").status_code == 404


def test_a_removed_co_depositor_loses_access_and_one_may_leave(api_client, depositor, other_depositor, deposit):
    invitation = _invite(api_client, depositor, deposit, email="other_depositor@example.org").json()
    co = api_client(other_depositor)
    co.post(f"/api/invitations/{invitation['id']}/accept")
    assert co.get(f"/api/deposits/{deposit.pk}").status_code == 200
    removed = api_client(depositor).delete(f"/api/deposits/{deposit.pk}/collaborators/{invitation['id']}")
    assert removed.status_code == 204
    assert co.get(f"/api/deposits/{deposit.pk}").status_code == 404
    assert co.patch(f"/api/deposits/{deposit.pk}", {"metadata": {}}, content_type="application/json").status_code == 404

    again = _invite(api_client, depositor, deposit, email="other_depositor@example.org").json()
    co.post(f"/api/invitations/{again['id']}/accept")
    assert co.delete(f"/api/deposits/{deposit.pk}/collaborators/{again['id']}").status_code == 204
    assert co.get(f"/api/deposits/{deposit.pk}").status_code == 404


def test_the_web_pages_invite_accept_and_show_co_depositors(client, depositor, other_depositor, deposit):
    client.force_login(depositor)
    page = client.post(
        reverse("deposit:collaborator-invite", kwargs={"pk": deposit.pk}),
        {"invitee": "other_depositor@example.org"},
        follow=True,
    )
    assert "other_depositor@example.org is invited to co-deposit." in page.content.decode()
    assert "Co-depositors" in page.content.decode()

    client.force_login(other_depositor)
    listing = client.get(reverse("deposit:list")).content.decode()
    assert "You have 1 invitation waiting." in listing
    invitation = Collaboration.objects.get()
    accepted = client.post(
        reverse("deposit:invitations"), {"invitation": invitation.pk, "answer": "accept"}, follow=True
    )
    assert accepted.request["PATH_INFO"] == reverse("deposit:detail", kwargs={"pk": deposit.pk})
    assert client.get(reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "describe"})).status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "other_depositor", "moderator", "other_moderator"])
def test_the_invitation_pages_give_nothing_to_others(client, role, request, deposit, depositor):
    from deposit.services import collaborator_invite

    collaboration = collaborator_invite(deposit=deposit, actor=depositor, email="someone@example.org")
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    invite = client.post(
        reverse("deposit:collaborator-invite", kwargs={"pk": deposit.pk}), {"invitee": "x@example.org"}
    )
    accept = client.post(reverse("deposit:invitations"), {"invitation": collaboration.pk, "answer": "accept"})
    remove = client.post(
        reverse("deposit:collaborator-remove", kwargs={"pk": deposit.pk, "collaboration_pk": collaboration.pk})
    )
    if role == "anonymous":
        assert all(r.status_code == 302 and "/accounts/login/" in r["Location"] for r in (invite, accept, remove))
    else:
        assert (invite.status_code, accept.status_code, remove.status_code) == (404, 404, 404)
    assert list(Collaboration.objects.values_list("state", flat=True)) == ["pending"]


def test_a_co_depositor_resumes_an_upload_with_its_part_urls(
    api_client, depositor, other_depositor, deposit, moderator
):
    invitation = _invite(api_client, depositor, deposit, email="other_depositor@example.org").json()
    co = api_client(other_depositor)
    co.post(f"/api/invitations/{invitation['id']}/accept")
    opened = co.post(
        f"/api/deposits/{deposit.pk}/uploads", {"name": "more.csv", "size": 10}, content_type="application/json"
    )
    assert opened.status_code == 201, opened.content
    resumed = co.get(f"/api/uploads/{opened.json()['id']}")
    assert resumed.status_code == 200 and resumed.json()["parts"]

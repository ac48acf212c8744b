"""The web interface through Django's test client: a deposit typed into the wizard travels through
review to its landing page; bad input gets a clear error and loses nothing; every page answers each
role as it should; the queue and the deposit page run a bounded number of queries. (The wizard's
own behaviour, step by step, is in test_wizard.py.)"""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from accounts.models import ApiToken
from deposit.models import Deposit, DepositEvent, DepositFile
from deposit.workflow import Status
from moderation.models import Comment
from tests.factories import complete_metadata, deposit_with_file

CSV = b"depth,temp\n1,12.5\n2,12.1\n"
TITLE = "CTD casts of the PELGAS 2024 cruise, Bay of Biscay"
ROLES = ["anonymous", "depositor", "other_depositor", "moderator", "other_moderator", "admin"]


def describe(**overrides) -> dict:
    data = {
        "title": TITLE,
        "abstract": "Temperature and salinity profiles from 120 CTD casts.",
        "resource_type_general": "Dataset",
        "language": "en",
        "community": "ocean",
    }
    data.update(overrides)
    return data


CREATORS = {
    "creators-0-name_type": "Personal",
    "creators-0-family_name": "Le Goff",
    "creators-0-given_name": "Anne",
    "creators-0-orcid": "0000-0002-1825-0097",
    "creators-1-name_type": "Personal",
    "creators-1-family_name": "Martin",
    "creators-1-given_name": "Paul",
    "point_of_contact-name": "Anne Le Goff",
    "point_of_contact-email": "anne.legoff@example.org",
}


def wizard_save(client, deposit, step, fields):
    revision = Deposit.objects.values_list("revision", flat=True).get(pk=deposit.pk)
    response = client.post(
        reverse("deposit:wizard-save", kwargs={"pk": deposit.pk}), {"step": step, "revision": revision, **fields}
    )
    assert response.status_code == 200, response.content
    return response


def start(client, title="") -> Deposit:
    """`New deposit`, as the button does: a draft, and its first step."""
    response = client.post(reverse("deposit:create"), {"title": title})
    deposit = Deposit.objects.latest("pk")
    assert response.status_code == 302
    assert response.url == reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "describe"})
    return deposit


def upload(client, deposit, *files):
    return client.post(reverse("deposit:wizard-upload", kwargs={"pk": deposit.pk}), {"files": list(files)}, follow=True)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def cast(db, depositor, other_depositor, moderator, other_moderator, admin):
    return {
        "anonymous": None,
        "depositor": depositor,
        "other_depositor": other_depositor,
        "moderator": moderator,
        "other_moderator": other_moderator,
        "admin": admin,
    }


def _submit(deposit, actor):
    from deposit import services

    return services.deposit_act(deposit=deposit, action="submit", actor=actor)


# --- The whole path -----------------------------------------------------------------------------


def test_a_deposit_typed_into_the_wizard_goes_through_review_to_its_landing_page(client, depositor, moderator):
    client.force_login(depositor)
    assert client.get(reverse("deposit:create")).status_code == 200
    deposit = start(client)
    wizard_save(client, deposit, "describe", describe())
    wizard_save(client, deposit, "people", CREATORS)
    wizard_save(client, deposit, "links_licence", {"licence": "CC-BY-4.0", "access-level": "open"})
    upload(client, deposit, SimpleUploadedFile("ctd.csv", CSV, "text/csv"))

    deposit.refresh_from_db()
    assert deposit.status == Status.draft
    assert deposit.title == TITLE
    assert deposit.community.slug == "ocean"
    assert [(c["name"], c.get("orcid")) for c in deposit.metadata["creators"]] == [
        ("Le Goff, Anne", "0000-0002-1825-0097"),
        ("Martin, Paul", None),
    ]
    assert deposit.metadata["rights"][0]["identifier"] == "CC-BY-4.0"
    assert deposit.metadata["resource_type"] == {"general": "Dataset", "type": ""}
    [file] = deposit.files.all()
    assert (file.name, file.size, file.state) == ("ctd.csv", len(CSV), "ready")
    assert file.sha256 == hashlib.sha256(CSV).hexdigest()
    response = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk}))

    page = response.content.decode()
    assert TITLE in page
    assert "ctd.csv" in page and file.sha256 in page
    assert "Before you can submit" not in page
    assert 'value="submit"' in page

    review = client.get(reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "links_licence"})).content.decode()
    assert "Nothing is missing: the deposit can be submitted." in review
    client.post(reverse("deposit:wizard-submit", kwargs={"pk": deposit.pk}))
    deposit.refresh_from_db()
    assert deposit.status == Status.submitted
    assert deposit.pid.doi.startswith("10.5072/")
    page = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    assert deposit.pid.doi in page
    assert "Reserved — becomes active on publication" in page
    assert "not registered (demo)" in page

    client.force_login(moderator)
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert TITLE in queue and reverse("deposit:detail", kwargs={"pk": deposit.pk}) in queue
    page = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    assert 'value="claim"' in page
    client.post(reverse("deposit:act", kwargs={"pk": deposit.pk}), {"action": "claim"})
    deposit.refresh_from_db()
    assert (deposit.status, deposit.reviewer) == (Status.in_review, moderator)
    page = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    # Approving is asked on a confirmation page (the DOI becomes permanent), the others posted here.
    approve = reverse("moderation:approve", kwargs={"pk": deposit.pk})
    assert approve in page and 'value="reject"' in page and 'value="request_changes"' in page
    client.post(reverse("deposit:act", kwargs={"pk": deposit.pk}), {"action": "approve", "note": "Fine data."})
    deposit.refresh_from_db()
    assert deposit.status == Status.published
    assert deposit.record is not None
    page = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    assert deposit.record.get_absolute_url() in page
    assert "Fine data." in page

    client.logout()
    landing = client.get(deposit.record.get_absolute_url()).content.decode()
    assert TITLE in landing
    assert f"https://doi.org/{deposit.pid.doi}" in landing
    assert "not registered (demo)" in landing
    assert "ctd.csv" in landing and file.sha256 in landing
    assert "https://orcid.org/0000-0002-1825-0097" in landing
    assert reverse("repository:export", kwargs={"pk": deposit.record.pk, "fmt": "datacite-xml"}) in landing
    assert client.get(f"/doi/{deposit.pid.doi}").url == deposit.record.get_absolute_url()


def test_an_incomplete_deposit_lists_its_problems_and_submitting_it_changes_nothing(client, depositor):
    client.force_login(depositor)
    deposit = start(client, "Half-typed")
    wizard_save(client, deposit, "people", {"point_of_contact-name": "D", "point_of_contact-email": "d@example.org"})
    deposit.refresh_from_db()
    assert deposit.title == "Half-typed" and "creators" not in deposit.metadata  # lenient: saved although incomplete

    page = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    assert "Before you can submit" in page
    for problem in (
        "At least one creator is required.",
        "An abstract is required.",
        "Choose a community.",
        "Upload at least one file.",
    ):
        assert problem in page

    response = client.post(reverse("deposit:act", kwargs={"pk": deposit.pk}), {"action": "submit"}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    assert "The deposit is not complete yet." in shown
    assert any("At least one creator is required." in m for m in shown)
    assert any("Upload at least one file." in m for m in shown)
    deposit.refresh_from_db()
    assert deposit.status == Status.draft
    assert deposit.pid is None
    assert not deposit.events.exists()


def test_the_edit_address_opens_the_wizard_whose_steps_keep_what_they_do_not_show(client, depositor, communities):
    metadata = complete_metadata()
    metadata["creators"][1]["orcid"] = "0000-0000-0000-0000"  # bad check digit
    deposit = deposit_with_file(depositor, community=communities["ocean"], metadata=metadata)
    client.force_login(depositor)
    response = client.get(reverse("deposit:edit", kwargs={"pk": deposit.pk}), follow=True)
    assert response.redirect_chain[-1][0] == reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "describe"})
    people = client.get(reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "people"})).content.decode()
    assert 'value="Le Goff"' in people and 'value="0000-0000-0000-0000"' in people
    assert "Not a valid ORCID iD" in people

    wizard_save(client, deposit, "describe", describe(title="A better title"))
    deposit.refresh_from_db()
    assert deposit.title == "A better title"
    assert deposit.metadata["creators"][0]["affiliations"][0]["name"] == "Ifremer"  # kept
    assert deposit.metadata["geo_locations"] == metadata["geo_locations"]  # kept
    assert deposit.metadata["dates"] == metadata["dates"]  # no step shows them: kept


def test_saving_over_a_newer_revision_is_refused_and_keeps_what_was_typed(client, depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    client.force_login(depositor)
    stale = deposit.revision
    url = reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "describe"})
    client.post(url, {**describe(title="First tab"), "step": "describe", "revision": stale})
    response = client.post(url, {**describe(title="Second tab"), "step": "describe", "revision": stale})
    assert response.status_code == 409
    page = response.content.decode()
    assert "saved elsewhere" in page and "Second tab" in page and "First tab" in page
    assert Deposit.objects.get(pk=deposit.pk).title == "First tab"


@pytest.mark.parametrize("action", ["request_changes", "reject"])
def test_request_changes_or_reject_without_a_note_shows_an_error_and_changes_nothing(
    client, action, depositor, moderator, communities
):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    _submit(deposit, depositor)
    client.force_login(moderator)
    url = reverse("deposit:act", kwargs={"pk": deposit.pk})
    client.post(url, {"action": "claim"})
    events = deposit.events.count()

    response = client.post(url, {"action": action, "note": "   "}, follow=True)
    assert "A message to the depositor is required." in [str(m) for m in response.context["messages"]]
    deposit.refresh_from_db()
    assert deposit.status == Status.in_review
    assert deposit.events.count() == events

    client.post(url, {"action": action, "note": "The salinity units are missing.", "reason": "insufficient"})
    deposit.refresh_from_db()
    assert deposit.status == (Status.changes_requested if action == "request_changes" else Status.rejected)
    client.force_login(depositor)
    page = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    assert "The salinity units are missing." in page


def test_an_illegal_or_unknown_action_is_refused_with_a_message(client, depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    client.force_login(depositor)
    url = reverse("deposit:act", kwargs={"pk": deposit.pk})
    for action in ("approve", "publish", "fly"):
        response = client.post(url, {"action": action}, follow=True)
        assert response.status_code == 200
        assert [m for m in response.context["messages"] if m.level_tag == "error"]
    assert Deposit.objects.get(pk=deposit.pk).status == Status.draft
    assert client.get(url).status_code == 405


def test_a_deposit_claimed_by_one_moderator_cannot_be_decided_by_another_from_the_page(
    client, depositor, moderator, communities
):
    from accounts.services import moderator_grant, user_create

    colleague = user_create(username="colleague", email="c@example.org", password="correct horse battery")
    moderator_grant(user=colleague, community=communities["ocean"])
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    _submit(deposit, depositor)
    as_user(client, moderator).post(reverse("deposit:act", kwargs={"pk": deposit.pk}), {"action": "claim"})
    client.force_login(colleague)
    page = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk})).content.decode()
    assert reverse("moderation:approve", kwargs={"pk": deposit.pk}) not in page  # only legal steps are offered
    response = client.post(reverse("deposit:act", kwargs={"pk": deposit.pk}), {"action": "approve"}, follow=True)
    assert "Another moderator has claimed this deposit." in [str(m) for m in response.context["messages"]]
    assert Deposit.objects.get(pk=deposit.pk).status == Status.in_review


# --- Files --------------------------------------------------------------------------------------


def test_a_refused_file_name_gets_a_clear_error_and_the_deposit_is_kept(rf, depositor):
    """Django's multipart parser already strips paths and control characters from the names browsers
    send (see the next test); a name that reaches the view unclean is refused by the service, and the
    view says so without losing the deposit or the other files."""
    from deposit.views_wizard import wizard_upload

    deposit = deposit_with_file(depositor, community=None, name="first.csv")
    request = rf.post(reverse("deposit:wizard-upload", kwargs={"pk": deposit.pk}), {})
    _ = request.POST  # parse the body first; then stand in for what an upload handler could let through
    request._files = MultiValueDict(
        {"files": [SimpleUploadedFile("ctd\x07.csv", CSV), SimpleUploadedFile("good.csv", CSV)]}
    )
    request.user = depositor
    request._messages = CookieStorage(request)
    response = wizard_upload(request, pk=deposit.pk)
    assert response.status_code == 302
    assert sorted(f.name for f in deposit.files.all()) == ["first.csv", "good.csv"]
    shown = [str(m) for m in request._messages]
    assert any("ctd\x07.csv" in m and "cannot contain control characters" in m for m in shown)


def test_file_names_with_a_path_or_control_characters_are_never_stored_as_sent(client, depositor):
    client.force_login(depositor)
    deposit = start(client)
    upload(client, deposit, SimpleUploadedFile("ctd\x07\x1b.csv", CSV), SimpleUploadedFile("..\\..\\evil.csv", CSV))
    names = sorted(DepositFile.objects.values_list("name", flat=True))
    assert names == ["ctd.csv", "evil.csv"]


def test_a_duplicate_file_name_gets_a_clear_error_and_nothing_is_lost(client, depositor, communities):
    deposit = deposit_with_file(depositor, community=communities["ocean"], name="ctd.csv")
    client.force_login(depositor)
    response = upload(
        client, deposit, SimpleUploadedFile("ctd.csv", b"other"), SimpleUploadedFile("notes.txt", b"hello")
    )
    shown = [str(m) for m in response.context["messages"]]
    assert any("already has a file named “ctd.csv”" in m for m in shown)
    deposit.refresh_from_db()
    assert sorted(f.name for f in deposit.files.all()) == ["ctd.csv", "notes.txt"]
    assert deposit.files.get(name="ctd.csv").size == len(b"depth,temp\n1,12.5\n")


def test_the_depositor_deletes_a_file_from_the_files_step_after_a_confirmation_naming_it(
    client, depositor, communities
):
    deposit = deposit_with_file(depositor, community=communities["ocean"])
    file = deposit.files.get()
    client.force_login(depositor)
    files_step = reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "files"})
    url = reverse("deposit:file-delete", kwargs={"pk": deposit.pk, "file_pk": file.pk})
    # the table's Delete… leads to the question (a dialog with scripts, this page without)
    assert f'href="{url}" data-delete-file data-name="{file.name}"' in client.get(files_step).content.decode()
    confirm = client.get(url)
    assert confirm.status_code == 200
    page = confirm.content.decode()
    assert f"Delete “{file.name}”?" in page and "This cannot be undone" in page
    assert f'href="{files_step}#f-files">Keep it</a>' in page
    assert deposit.files.exists()  # asking deletes nothing
    response = client.post(url)
    assert response.url == files_step + "#f-files"
    assert not deposit.files.exists()


def test_an_unknown_community_is_refused_at_its_field_and_nothing_saved_is_lost(client, depositor):
    client.force_login(depositor)
    deposit = start(client, "Kept")
    revision = Deposit.objects.get(pk=deposit.pk).revision
    response = client.post(
        reverse("deposit:wizard-save", kwargs={"pk": deposit.pk}),
        {"step": "describe", "revision": revision, **describe(community="atlantis")},
    )
    assert response.status_code == 422
    assert response.json()["problems"] == [{"anchor": "f-community", "message": "Unknown community “atlantis”."}]
    deposit.refresh_from_db()
    assert deposit.title == "Kept" and deposit.revision == revision


# --- Accounts -----------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_works_until_revoked(client, depositor):
    from accounts.services import api_token_authenticate

    client.force_login(depositor)
    response = client.post(reverse("accounts:token-create"), {"name": "cruise pipeline", "expires_in_days": "30"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = response.context["raw"]
    assert raw in response.content.decode()
    assert api_token_authenticate(raw=raw) == depositor
    token = ApiToken.objects.get(user=depositor)
    assert token.expires_at is not None

    profile = client.get(reverse("accounts:profile")).content.decode()
    assert "cruise pipeline" in profile and token.prefix in profile
    assert raw not in profile

    client.post(reverse("accounts:token-revoke", kwargs={"pk": token.pk}))
    assert api_token_authenticate(raw=raw) is None
    assert "revoked on" in client.get(reverse("accounts:profile")).content.decode()


def test_a_token_form_with_bad_input_shows_the_error_at_the_field(client, depositor):
    client.force_login(depositor)
    response = client.post(reverse("accounts:token-create"), {"name": "", "expires_in_days": "-3"})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"name", "expires_in_days"}
    assert not ApiToken.objects.exists()


def test_sign_in_and_sign_up_pages_render_in_the_site_layout_and_work(client, depositor):
    for name in ("account_login", "account_signup"):
        page = client.get(reverse(name)).content.decode()
        assert 'class="site-header"' in page and 'class="auth-card"' in page
    response = client.post(reverse("account_login"), {"login": "depositor", "password": "correct horse battery"})
    assert response.status_code == 302 and response.url == reverse("deposit:list")
    page = client.get(reverse("deposit:list")).content.decode()
    assert f'action="{reverse("account_logout")}"' in page  # signing out is a POST form
    client.post(reverse("account_logout"))
    assert client.get(reverse("deposit:list")).status_code == 302

    response = client.post(
        reverse("account_signup"),
        {
            "username": "newcomer",
            "email": "newcomer@example.org",
            "password1": "a long sea of words",
            "password2": "a long sea of words",
        },
    )
    # Local accounts verify their address first (the whole round is in test_signin_hardening).
    assert response.status_code == 302 and response.url == reverse("account_email_verification_sent")
    from django.contrib.auth import get_user_model

    assert get_user_model().objects.filter(username="newcomer").exists()


# --- Language and layout ------------------------------------------------------------------------


def test_pages_speak_french_when_the_browser_asks(client, depositor):
    client.force_login(depositor)
    page = client.get(reverse("deposit:list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Mes dépôts" in page and "Nouveau dépôt" in page
    assert 'lang="fr"' in page
    assert "Fournisseur de DOI de démonstration" in page


def test_the_language_switcher_sets_french_for_the_next_pages(client, depositor):
    client.force_login(depositor)
    deposit = start(client)
    people = reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "people"})
    page = client.get(people).content.decode()
    assert f'action="{reverse("set_language")}"' in page
    response = client.post(reverse("set_language"), {"language": "fr", "next": people})
    assert response.url == people
    page = client.get(people).content.decode()
    assert "Personnes et financements" in page and "Créateurs" in page and "Ajouter un créateur" in page
    assert "Commencer le dépôt" in client.get(reverse("deposit:create")).content.decode()


def test_the_demo_doi_banner_is_on_every_page_only_with_the_demo_provider(client, db, settings):
    banner = "DOIs use DataCite's test prefix 10.5072 and are not registered."
    assert banner in client.get("/").content.decode()
    assert banner in client.get(reverse("account_login")).content.decode()
    settings.DOI_PROVIDER = "datacite"
    assert banner not in client.get("/").content.decode()


def test_the_moderation_link_is_shown_only_to_moderators(client, depositor, moderator):
    queue = reverse("moderation:queue")
    assert queue not in as_user(client, depositor).get(reverse("deposit:list")).content.decode()
    assert queue in as_user(client, moderator).get(reverse("deposit:list")).content.decode()


# --- Permissions: every page, every role --------------------------------------------------------


@pytest.fixture
def world(depositor, admin, communities):
    """A draft with a file, a submitted deposit, and a published record, all the depositor's, in ocean."""
    from deposit import services

    ocean = communities["ocean"]
    draft = deposit_with_file(depositor, community=ocean, metadata=complete_metadata("The draft"))
    submitted = deposit_with_file(depositor, community=ocean, metadata=complete_metadata("The submitted one"))
    _submit(submitted, depositor)
    published = deposit_with_file(depositor, community=ocean, metadata=complete_metadata("The published one"))
    _submit(published, depositor)
    services.deposit_act(deposit=published, action="claim", actor=admin)
    services.deposit_act(deposit=published, action="approve", actor=admin)
    published.refresh_from_db()
    return {"draft": draft, "submitted": submitted, "published": published}


LOGIN = "/accounts/login/"

# Expected status per role, in the order of ROLES: anonymous, depositor, other_depositor, moderator,
# other_moderator, admin. For anonymous, 302 is the way to the sign-in page.
DETAIL_DRAFT = dict(zip(ROLES, (302, 200, 404, 404, 404, 200), strict=True))
DETAIL_SUBMITTED = dict(zip(ROLES, (302, 200, 404, 200, 404, 200), strict=True))
# The edit address leads editors to the wizard (its own matrix is in test_wizard.py).
EDIT_DRAFT = dict(zip(ROLES, (302, 302, 404, 404, 404, 302), strict=True))
EDIT_SUBMITTED = dict(zip(ROLES, (302, 302, 404, 403, 404, 302), strict=True))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("page", "which", "expected"),
    [
        ("deposit:detail", "draft", DETAIL_DRAFT),
        ("deposit:detail", "submitted", DETAIL_SUBMITTED),
        ("deposit:edit", "draft", EDIT_DRAFT),
        ("deposit:edit", "submitted", EDIT_SUBMITTED),
    ],
)
def test_deposit_pages_answer_each_role(client, cast, world, role, page, which, expected):
    deposit = world[which]
    response = as_user(client, cast[role]).get(reverse(page, kwargs={"pk": deposit.pk}))
    assert response.status_code == expected[role]
    if role == "anonymous":
        assert response.url.startswith(LOGIN)
    elif expected[role] == 302 and which == "draft":
        assert response.url == reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": "describe"})
    elif expected[role] == 302:  # not editable any more: back to the deposit's page, with a message
        assert response.url == reverse("deposit:detail", kwargs={"pk": deposit.pk})
    if expected[role] == 200:
        assert deposit.title in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_my_deposits_lists_only_ones_own(client, cast, world, role):
    response = as_user(client, cast[role]).get(reverse("deposit:list"))
    if role == "anonymous":
        assert response.status_code == 302 and response.url.startswith(LOGIN)
        return
    assert response.status_code == 200
    page = response.content.decode()
    assert ("The draft" in page) is (role == "depositor")


CLAIM = dict(zip(ROLES, (302, 302, 404, 302, 404, 302), strict=True))


@pytest.mark.parametrize("role", ROLES)
def test_acting_on_a_deposit_answers_each_role(client, cast, world, role):
    deposit = world["submitted"]
    response = as_user(client, cast[role]).post(reverse("deposit:act", kwargs={"pk": deposit.pk}), {"action": "claim"})
    assert response.status_code == CLAIM[role]
    deposit.refresh_from_db()
    claimed = role in ("moderator", "admin")
    assert deposit.status == (Status.in_review if claimed else Status.submitted)
    if role == "anonymous":
        assert response.url.startswith(LOGIN)
    if role == "depositor":
        assert "You may not do this to this deposit." in messages_of(response)


@pytest.mark.parametrize("role", ROLES)
def test_acting_on_a_draft_is_hidden_from_all_but_owner_and_admin(client, cast, world, role):
    deposit = world["draft"]
    response = as_user(client, cast[role]).post(reverse("deposit:act", kwargs={"pk": deposit.pk}), {"action": "submit"})
    expected = {"anonymous": 302, "depositor": 302, "admin": 302}.get(role, 404)
    assert response.status_code == expected
    deposit.refresh_from_db()
    # the admin sees the draft but only its owner submits it
    assert deposit.status == (Status.submitted if role == "depositor" else Status.draft)


@pytest.mark.parametrize("role", ROLES)
def test_the_question_before_deleting_a_file_answers_each_role(client, cast, world, role):
    deposit = world["draft"]
    file = deposit.files.get()
    url = reverse("deposit:file-delete", kwargs={"pk": deposit.pk, "file_pk": file.pk})
    response = as_user(client, cast[role]).get(url)
    assert response.status_code == {"anonymous": 302, "depositor": 200, "admin": 200}.get(role, 404)
    assert deposit.files.exists()


@pytest.mark.parametrize("role", ROLES)
def test_deleting_a_file_answers_each_role(client, cast, world, role):
    deposit = world["draft"]
    file = deposit.files.get()
    url = reverse("deposit:file-delete", kwargs={"pk": deposit.pk, "file_pk": file.pk})
    response = as_user(client, cast[role]).post(url)
    expected = {"anonymous": 302, "depositor": 302, "admin": 302}.get(role, 404)
    assert response.status_code == expected
    assert deposit.files.exists() is (role not in ("depositor", "admin"))


QUEUE = dict(zip(ROLES, (302, 403, 403, 200, 200, 200), strict=True))


@pytest.mark.parametrize("role", ROLES)
def test_the_moderation_queue_answers_each_role(client, cast, world, role):
    response = as_user(client, cast[role]).get(reverse("moderation:queue"))
    assert response.status_code == QUEUE[role]
    page = response.content.decode()
    if role == "anonymous":
        assert response.url.startswith(LOGIN)
    elif QUEUE[role] == 403:
        assert "for the moderators of a community" in page
    else:
        sees_ocean = role in ("moderator", "admin")
        assert ("The submitted one" in page) is sees_ocean
        assert "The draft" not in page and "The published one" not in page


@pytest.mark.parametrize("role", ROLES)
def test_the_account_page_answers_each_role(client, cast, role):
    response = as_user(client, cast[role]).get(reverse("accounts:profile"))
    if role == "anonymous":
        assert response.status_code == 302 and response.url.startswith(LOGIN)
        return
    assert response.status_code == 200
    assert cast[role].email in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_revokes_a_token(client, cast, role):
    from accounts.services import api_token_create

    token, _raw = api_token_create(user=cast["depositor"], name="pipeline")
    response = as_user(client, cast[role]).post(reverse("accounts:token-revoke", kwargs={"pk": token.pk}))
    expected = {"anonymous": 302, "depositor": 302}.get(role, 404)
    assert response.status_code == expected
    token.refresh_from_db()
    assert (token.revoked_at is not None) is (role == "depositor")


@pytest.mark.parametrize("role", ROLES)
def test_the_landing_and_home_pages_are_public(client, cast, world, role):
    record = world["published"].record
    client = as_user(client, cast[role])
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    assert "The published one" in response.content.decode()
    home = client.get(reverse("repository:home"))
    assert home.status_code == 200 and "The published one" in home.content.decode()


# --- Bounded queries ----------------------------------------------------------------------------

QUEUE_QUERIES = 9  # measured 5-6: session, user, communities, queue, nav (+ content types, cold), +1 the bell
# measured 8-10, whatever the number of files, events and comments; +1 the notification bell, +2 the
# conversation (comments, with their files), +2 for a moderator (the colleagues to assign to, the
# moderator check of the review page's link), +1 margin
DETAIL_QUERIES = 16


@pytest.mark.parametrize("n", [1, 20])
def test_the_queue_runs_a_bounded_number_of_queries(client, moderator, communities, django_assert_max_num_queries, n):
    from accounts.models import User

    for i in range(n):
        owner = User.objects.create(username=f"owner{i}", display_name=f"Owner {i}")
        Deposit.objects.create(
            owner=owner,
            community=communities["ocean"],
            status=Status.in_review if i % 2 else Status.submitted,
            reviewer=moderator if i % 2 else None,
            title=f"Deposit {i}",
            submitted_at=timezone.now(),
        )
    client.force_login(moderator)
    with django_assert_max_num_queries(QUEUE_QUERIES):
        response = client.get(reverse("moderation:queue"))
    assert response.content.decode().count('class="badge status-') == (n + 1) // 2  # the waiting tab: the unclaimed


@pytest.mark.parametrize("viewer", ["depositor", "moderator"])
@pytest.mark.parametrize("n", [1, 20])
def test_the_deposit_page_runs_a_bounded_number_of_queries(
    client, depositor, moderator, communities, django_assert_max_num_queries, n, viewer
):
    deposit = Deposit.objects.create(
        owner=depositor,
        community=communities["ocean"],
        metadata=complete_metadata(),
        title="Many files",
        status=Status.changes_requested if viewer == "depositor" else Status.in_review,
        reviewer=moderator,
        round=1,
    )
    for i in range(n):
        DepositFile.objects.create(
            deposit=deposit,
            name=f"cast-{i:03}.csv",
            size=100 + i,
            state="ready",
            storage_key=f"k/{deposit.pk}/{i}",
            sha256=hashlib.sha256(str(i).encode()).hexdigest(),
        )
        DepositEvent.objects.create(
            deposit=deposit,
            action="submit",
            from_status="draft",
            to_status="submitted",
            actor=depositor if i % 2 else moderator,
            note=f"note {i}",
        )
        Comment.objects.create(
            deposit=deposit,
            author=depositor if i % 2 else moderator,
            body=f"comment {i}",
            field="geo_locations-0" if i % 3 else "",
            round=1,
        )
    client.force_login(depositor if viewer == "depositor" else moderator)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("deposit:detail", kwargs={"pk": deposit.pk}))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("cast-") >= n and page.count("note ") >= n and page.count("comment ") >= n

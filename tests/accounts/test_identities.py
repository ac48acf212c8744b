"""One account, several ways to sign in: the account page lists them and unlinks them, and never
leaves an account without a way in."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import IdentityProvider


@pytest.fixture
def linked(depositor):
    idp = IdentityProvider.objects.create(
        entity_id="https://idp.univ-rennes.example/idp",
        slug="univ-rennes",
        name_en="University of Rennes",
        name_fr="Université de Rennes",
        sso_url="https://idp.univ-rennes.example/sso",
        signing_certificates=["x"],
    )
    orcid = SocialAccount.objects.create(user=depositor, provider="orcid", uid="0000-0002-1825-0097")
    institution = SocialAccount.objects.create(user=depositor, provider=idp.provider_id, uid="jdoe@univ-rennes.example")
    return orcid, institution


def test_the_account_page_lists_every_linked_identity_by_name(client, depositor, linked):
    client.force_login(depositor)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Ways to sign in" in page
    assert "ORCID" in page and "0000-0002-1825-0097" in page
    assert "University of Rennes" in page and "jdoe@univ-rennes.example" in page
    assert "Link an institution" in page
    french = client.get(reverse("accounts:profile"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Université de Rennes" in french


def test_unlinking_an_identity_removes_only_that_one(client, depositor, linked):
    _orcid, institution = linked
    client.force_login(depositor)
    answer = client.post(reverse("accounts:identity-unlink", kwargs={"pk": institution.pk}))
    assert answer.status_code == 302 and answer["Location"] == reverse("accounts:profile")
    assert list(SocialAccount.objects.filter(user=depositor).values_list("provider", flat=True)) == ["orcid"]


def test_the_last_way_to_sign_in_cannot_be_unlinked(client, depositor, linked):
    orcid, institution = linked
    institution.delete()
    depositor.set_unusable_password()
    depositor.save()
    client.force_login(depositor)
    answer = client.post(reverse("accounts:identity-unlink", kwargs={"pk": orcid.pk}), follow=True)
    assert SocialAccount.objects.filter(pk=orcid.pk).exists()
    assert "Your account has no password set up." in answer.content.decode()


def test_another_user_cannot_unlink_someone_elses_identity(client, other_depositor, linked):
    orcid, _institution = linked
    client.force_login(other_depositor)
    answer = client.post(reverse("accounts:identity-unlink", kwargs={"pk": orcid.pk}))
    assert answer.status_code == 404
    assert SocialAccount.objects.filter(pk=orcid.pk).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, linked):
    orcid, _institution = linked
    answer = client.post(reverse("accounts:identity-unlink", kwargs={"pk": orcid.pk}))
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert SocialAccount.objects.filter(pk=orcid.pk).exists()

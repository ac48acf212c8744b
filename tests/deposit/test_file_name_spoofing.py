"""File names that display as another name are refused, and say why (issue 12, item 10): Unicode
format characters (category Cf) are invisible, and a right-to-left override shows
`report<U+202E>fdp.exe` as `reportexe.pdf`; zero-width characters and a byte order mark make two
names look alike."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.errors import ValidationFailed
from deposit import services
from deposit.models import DepositFile, UploadSession
from tests.factories import complete_metadata

SPOOFS = {
    "right-to-left-override": ("report\u202efdp.exe", "U+202E RIGHT-TO-LEFT OVERRIDE"),
    "left-to-right-isolate": ("data\u2066.csv", "U+2066 LEFT-TO-RIGHT ISOLATE"),
    "zero-width-space": ("ctd\u200b.csv", "U+200B ZERO WIDTH SPACE"),
    "zero-width-joiner": ("ctd\u200d.csv", "U+200D ZERO WIDTH JOINER"),
    "byte-order-mark": ("\ufeffctd.csv", "U+FEFF ZERO WIDTH NO-BREAK SPACE"),
    "soft-hyphen": ("temp\u00aderature.nc", "U+00AD SOFT HYPHEN"),
}


@pytest.fixture
def draft(depositor, communities):
    return services.deposit_create(owner=depositor, metadata=complete_metadata(), community="ocean")


@pytest.mark.parametrize(("name", "char"), SPOOFS.values(), ids=SPOOFS)
def test_a_file_name_with_a_format_character_is_refused_by_the_api_with_the_reason(
    api_client, depositor, draft, name, char
):
    response = api_client(depositor).post(
        f"/api/deposits/{draft.pk}/uploads",
        content_type="application/json",
        data=json.dumps({"name": name, "size": 10}),
    )

    assert response.status_code == 422
    body = response.json()
    assert body["problems"][0]["field"] == "name"
    assert char in body["detail"] and "look like another one" in body["detail"]
    assert not DepositFile.objects.exists() and not UploadSession.objects.exists()


def test_the_plain_upload_form_never_stores_an_invisible_character(client, depositor, draft):
    """Django drops non-printable characters from the names of a form's files before the service
    sees them: the name stored is the name displayed."""
    client.force_login(depositor)
    client.post(
        reverse("deposit:wizard-upload", kwargs={"pk": draft.pk}),
        {
            "files": [
                SimpleUploadedFile("report\u202efdp.exe", b"MZ"),
                SimpleUploadedFile("ctd\u200b.csv", b"a,b\n1,2\n"),
            ]
        },
    )

    assert sorted(DepositFile.objects.values_list("name", flat=True)) == ["ctd.csv", "reportfdp.exe"]


def test_names_in_other_scripts_and_with_marks_are_still_accepted():
    """Letters, combining marks and spaces of any script are not format characters."""
    for name in ("Données brutes — été 2024.nc", "温度.csv", "بيانات.csv", "ע\u05b8ברית.txt", "caf\u00e9 au lait.txt"):
        assert services.clean_file_name(name) == name


def test_the_service_names_the_first_format_character():
    with pytest.raises(ValidationFailed) as refused:
        services.clean_file_name("a\u200bb\u202ec.csv")
    assert "U+200B ZERO WIDTH SPACE" in refused.value.message

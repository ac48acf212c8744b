"""Previews of published files for readers (issue 15): the landing page offers the stored preview of
each open file whose format is previewed, loaded when asked (`/records/<id>/previews/<name>`, a
fragment with `?fragment=1`, a page of its own without); refused as the download is (embargo: 403,
except for those who may download; withdrawal: 410); read as stored, never computed in the request;
escaped, whatever the file holds."""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.test import Client
from django.urls import reverse

from deposit.models import DepositFile
from moderation import previews
from repository import hooks
from repository.services import record_withdraw
from repository.storage import get_store
from tests.factories import complete_metadata
from tests.repository.doi_support import publish
from tests.repository.test_netcdf import ncgen  # noqa: F401 - fixture

CSV = b"station,temperature\nS001,12.5\nS002,<script>alert('csv')</script>\nS003,\"<img src=x onerror=alert(1)>\"\n"
EMBARGO_UNTIL = datetime.date.today() + datetime.timedelta(days=400)


def preview_url(record, name="ctd.csv", *, fragment=True) -> str:
    url = reverse("repository:file-preview", kwargs={"pk": record.pk, "name": name})
    return url + "?fragment=1" if fragment else url


@pytest.fixture
def open_record(depositor, moderator, communities):
    return publish(depositor, moderator, communities, content=CSV)


@pytest.fixture
def embargoed_record(depositor, moderator, communities):
    metadata = {**complete_metadata(), "access": {"level": "embargoed", "embargo_until": EMBARGO_UNTIL.isoformat()}}
    return publish(depositor, moderator, communities, metadata=metadata, content=CSV)


def test_an_open_file_s_preview_is_served_to_anyone_as_a_fragment_escaped(open_record):
    response = Client().get(preview_url(open_record))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-preview-status="table"' in html and "<html" not in html
    assert '<th scope="col">station</th>' in html and "<td>12.5</td>" in html
    # the cells' HTML is text, never markup
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#x27;csv&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert response["X-Robots-Tag"] == "noindex"
    assert open_record.landing_url in response["Link"]


def test_without_script_the_preview_is_a_page_of_its_own_with_the_way_back(open_record):
    response = Client().get(preview_url(open_record, fragment=False))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" in html and '<meta name="robots" content="noindex">' in html
    assert "Preview of ctd.csv" in html and open_record.get_absolute_url() in html
    assert "&lt;script&gt;" in html and "<script>alert" not in html


def test_the_landing_page_offers_the_preview_without_loading_it(open_record):
    html = Client().get(open_record.get_absolute_url()).content.decode()
    assert f'data-preview-url="{preview_url(open_record)}"' in html
    assert f'href="{preview_url(open_record, fragment=False)}"' in html  # the link without script
    # The preview itself comes when asked: none of its rows is in the page (its columns are, as the
    # record's measured variables).
    assert "S001" not in html and "12.5" not in html


def test_a_format_not_previewed_gets_no_control_and_no_preview(depositor, moderator, communities):
    record = publish(depositor, moderator, communities, content=b"PK\x03\x04binary")
    record.files.update(name="archive.zip")
    html = Client().get(record.get_absolute_url()).content.decode()
    assert "data-preview-url" not in html
    assert Client().get(preview_url(record, "archive.zip")).status_code == 404
    assert Client().get(preview_url(record, "no-such-file.csv")).status_code == 404


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (None, False),
        ("other_depositor", False),
        ("other_moderator", False),
        ("depositor", True),
        ("moderator", True),
        ("admin", True),
    ],
)
def test_an_embargoed_file_s_preview_follows_the_download_rule(embargoed_record, role, allowed, request):
    client = Client()
    if role:
        client.force_login(request.getfixturevalue(role))
    fragment = client.get(preview_url(embargoed_record))
    page = client.get(preview_url(embargoed_record, fragment=False))
    landing = client.get(embargoed_record.get_absolute_url()).content.decode()
    if allowed:
        assert fragment.status_code == page.status_code == 200
        assert "<td>12.5</td>" in fragment.content.decode()
        assert "data-preview-url" in landing
    else:
        assert fragment.status_code == page.status_code == 403
        assert "12.5" not in fragment.content.decode() and "12.5" not in page.content.decode()
        assert "under embargo until" in fragment.content.decode()
        assert "data-preview-url" not in landing and "Preview of" not in landing


def test_a_withdrawn_record_s_previews_are_gone(open_record, moderator, admin):
    record_withdraw(record=open_record, actor=moderator, reason="data_error", note="")
    for user in (None, admin):
        client = Client()
        if user:
            client.force_login(user)
        response = client.get(preview_url(open_record))
        assert response.status_code == 410
        assert "12.5" not in response.content.decode() and "withdrawn" in response.content.decode()
        assert client.get(preview_url(open_record, fragment=False)).status_code == 410


def test_the_preview_is_read_as_stored_never_computed_in_the_request(open_record, django_assert_num_queries):
    """The object is gone from the store, and the stored preview is still what is served; a file with
    no stored preview is said to have none, and none is made."""
    file = open_record.files.get()
    get_store().delete(file.storage_key)
    client = Client()
    with django_assert_num_queries(3):  # the record, its files, the stored preview
        response = client.get(preview_url(open_record))
    assert "<td>12.5</td>" in response.content.decode()

    DepositFile.objects.filter(storage_key=file.storage_key).update(preview={})
    response = client.get(preview_url(open_record))
    assert response.status_code == 200 and 'data-preview-status="missing"' in response.content.decode()
    assert "No preview is available for this file." in response.content.decode()
    assert DepositFile.objects.get(storage_key=file.storage_key).preview == {}
    assert hooks.file_preview(file) is None


def test_a_failed_preview_tells_readers_nothing_of_the_error(open_record):
    file = open_record.files.get()
    DepositFile.objects.filter(storage_key=file.storage_key).update(
        preview={"v": previews.PREVIEW_VERSION, "kind": "error", "message": "/srv/estran/secret/path: boom"}
    )
    html = Client().get(preview_url(open_record)).content.decode()
    assert "No preview is available for this file." in html and "secret" not in html


NETCDF_CDL = """netcdf hostile {
dimensions:
    time = 3 ;
variables:
    double temp(time) ;
        temp:standard_name = "sea_water_temperature" ;
        temp:long_name = "<script>alert('long_name')</script>" ;
        temp:units = "degree_Celsius" ;

// global attributes:
        :title = "<img src=x onerror=alert('title')>" ;
data:
 temp = 12.1, 12.2, 12.3 ;
}
"""


def test_a_netcdf_header_s_hostile_attributes_are_escaped(depositor, moderator, communities, ncgen, tmp_path):
    cdl = tmp_path / "hostile.cdl"
    cdl.write_text(NETCDF_CDL)
    target = tmp_path / "hostile.nc"
    subprocess.run([ncgen, "-k", "nc4", "-o", str(target), str(cdl)], check=True, capture_output=True, timeout=60)
    record = publish(depositor, moderator, communities, content=target.read_bytes())
    # the factory names every file ctd.csv: a NetCDF file by its name, previewed again as the worker would
    file = record.files.get()
    record.files.update(name="hostile.nc")
    deposit_file = DepositFile.objects.get(storage_key=file.storage_key)
    deposit_file.name = "hostile.nc"
    deposit_file.save(update_fields=["name"])
    assert previews.file_preview_update(file=deposit_file)["kind"] == "netcdf"

    html = Client().get(preview_url(record, "hostile.nc")).content.decode()
    assert "sea_water_temperature" in html and "degree_Celsius" in html
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#x27;long_name&#x27;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(&#x27;title&#x27;)&gt;" in html


def test_the_stored_preview_is_bounded(depositor, moderator, communities):
    wide = ",".join(f"c{i}" for i in range(60)) + "\n"
    rows = "".join(",".join("x" * 200 for _ in range(60)) + "\n" for _ in range(40))
    record = publish(depositor, moderator, communities, content=(wide + rows).encode())
    response = Client().get(preview_url(record))
    html = response.content.decode()
    assert html.count("<tr>") <= previews.PREVIEW_LINES and html.count("<td>") <= previews.PREVIEW_LINES * 40
    assert "x" * (previews.MAX_CELL_CHARS + 1) not in html
    assert len(response.content) < 200_000

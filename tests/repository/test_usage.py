"""Views and downloads counted the COUNTER way: robots and machines left out (the COUNTER-Robots
list), a double click within 30 seconds counted once per visitor and item, a download once from its
first byte; totals per record shown on the landing page, kept per day."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.db import DatabaseError
from django.urls import reverse

from repository import usage
from repository.models import RecordUsage
from tests.repository.landing_support import (
    counting,  # noqa: F401 - the fixture
    record_create,
    store_bytes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counting")]

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.2 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def record(depositor, communities):
    record = record_create(owner=depositor, community=communities["ocean"], files=[("a.csv", 10), ("b.csv", 10)])
    store_bytes(record, "a.csv", b"depth,temp\n1,12.5\n")
    store_bytes(record, "b.csv", b"depth,temp\n2,12.1\n")
    return record


def view(client, record, ua=FIREFOX, ip="192.0.2.10", **extra):
    return client.get(record.get_absolute_url(), HTTP_USER_AGENT=ua, REMOTE_ADDR=ip, **extra)


def download(client, record, name="a.csv", ua=FIREFOX, ip="192.0.2.10", **extra):
    url = reverse("repository:file-download", kwargs={"pk": record.pk, "name": name})
    response = client.get(url, HTTP_USER_AGENT=ua, REMOTE_ADDR=ip, **extra)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Wget/1.21.4",
        "Java/17.0.2",
        "",
    ],
)
def test_robots_and_machines_are_not_counted(user_agent):
    assert usage.is_robot(user_agent)


@pytest.mark.parametrize(
    "user_agent",
    [
        FIREFOX,
        SAFARI,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
        "Safari/537.36 Edg/131.0.0.0",
    ],
)
def test_browsers_are_counted(user_agent):
    assert not usage.is_robot(user_agent)


def test_a_view_is_counted_and_shown_on_the_page(client, record):
    # The page shows the totals before its own view is counted.
    assert "0 views · 0 downloads" in " ".join(view(client, record).content.decode().split())
    assert usage.usage_totals(record.pk) == (1, 0)
    view(client, record, ua=SAFARI, ip="198.51.100.7")  # another reader
    page = " ".join(view(client, record, ua="Googlebot/2.1").content.decode().split())
    assert "2 views · 0 downloads" in page
    assert usage.usage_totals(record.pk) == (2, 0)


def test_a_robot_s_view_is_not_counted(client, record):
    view(client, record, ua="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    view(client, record, ua="")
    view(client, record, ua="curl/8.5.0")
    assert not RecordUsage.objects.exists()


def test_a_double_click_within_30_seconds_counts_once(client, record):
    with time_machine.travel("2026-03-02 10:00:00", tick=False) as clock:
        view(client, record)
        clock.shift(10)
        view(client, record)
        clock.shift(19)
        view(client, record)  # 29 s after the first
        assert usage.usage_totals(record.pk) == (1, 0)
        clock.shift(2)
        view(client, record)  # 31 s after the first
        assert usage.usage_totals(record.pk) == (2, 0)


def test_the_visitor_is_the_session_when_there_is_one(client, record, depositor):
    client.force_login(depositor)
    view(client, record, ip="192.0.2.1")
    view(client, record, ip="192.0.2.2")  # the same session from another address: a double click
    assert usage.usage_totals(record.pk) == (1, 0)


def test_a_download_counts_once_from_its_first_byte_and_per_file(client, record):
    download(client, record, "a.csv")
    download(client, record, "a.csv")  # double click
    download(client, record, "a.csv", HTTP_RANGE="bytes=5-")  # a resumed download: the same one
    download(client, record, "b.csv")  # another file: another download
    assert usage.usage_totals(record.pk) == (0, 2)
    head = client.head(
        reverse("repository:file-download", kwargs={"pk": record.pk, "name": "a.csv"}),
        HTTP_USER_AGENT=SAFARI,
        REMOTE_ADDR="198.51.100.9",
    )
    assert head.status_code == 200
    download(client, record, "a.csv", ua="Wget/1.21.4", ip="198.51.100.9")
    assert usage.usage_totals(record.pk) == (0, 2)
    # operators' raw count goes on counting every transfer started
    assert record.files.get(name="a.csv").download_count == 3
    assert f'<{record.landing_url}>; rel="collection"' in download(client, record, "b.csv")["Link"]


def test_exports_heads_refusals_and_tombstones_are_not_views(client, record, moderator):
    client.head(record.get_absolute_url(), HTTP_USER_AGENT=FIREFOX)
    view(client, record, HTTP_ACCEPT="application/x-bibtex")
    view(client, record, HTTP_ACCEPT="application/pdf")
    assert not RecordUsage.objects.exists()
    from repository.services import record_withdraw

    record_withdraw(record=record, actor=moderator, reason="rights", note="")
    assert view(client, record).status_code == 410
    assert not RecordUsage.objects.exists()


def test_counts_are_kept_per_day_and_summed(record, client):
    today = date.today()
    usage.usage_add(record_id=record.pk, views=3, day=today - timedelta(days=2))
    usage.usage_add(record_id=record.pk, views=1, downloads=2, day=today - timedelta(days=2))
    usage.usage_add(record_id=record.pk, views=5, downloads=1, day=today)
    assert RecordUsage.objects.filter(record=record).count() == 2
    assert usage.usage_totals(record.pk) == (9, 3)
    page = " ".join(view(client, record).content.decode().split())
    assert "9 views · 3 downloads" in page  # before its own view is counted


def test_large_counts_are_grouped_for_reading(record, client):
    usage.usage_add(record_id=record.pk, views=12345, downloads=1)
    assert "12,345 views · 1 download" in " ".join(view(client, record).content.decode().split())


def test_a_failure_to_count_never_costs_the_reader_the_page(client, record, monkeypatch):
    def broken(counts):
        raise DatabaseError("the disk is full")

    monkeypatch.setattr(usage, "_write", broken)
    assert view(client, record).status_code == 200
    assert download(client, record).status_code == 200


def test_a_process_writes_its_counts_together_every_few_seconds(
    client, record, settings, monkeypatch, django_assert_num_queries
):
    settings.USAGE_FLUSH_SECONDS = 3600
    other = record_create(owner=record.owner, community=record.community)
    for ip in ("192.0.2.1", "192.0.2.2", "192.0.2.3"):
        view(client, record, ip=ip)
    view(client, other)
    download(client, record, "a.csv")
    assert not RecordUsage.objects.exists()  # not yet written
    with django_assert_num_queries(1):
        assert usage.flush() == 2  # both records' rows, in one statement
    assert usage.usage_totals(record.pk) == (3, 1) and usage.usage_totals(other.pk) == (1, 0)
    assert usage.flush() == 0
    # Past the limit of pending rows, the request that reaches it writes them.
    monkeypatch.setattr(usage, "MAX_PENDING", 2)
    view(client, record, ip="192.0.2.9")
    view(client, other, ip="192.0.2.9")
    assert usage.usage_totals(other.pk) == (2, 0)

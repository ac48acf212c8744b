"""The landing page: everything a reader needs (creators, abstract, extent, keywords, related
resources, funding, licence, files, versions, citation, DOI, usage), the schema.org JSON-LD and
FAIR Signposting it carries, the tombstone, French, printing and accessibility hooks, its
permissions, and a number of queries that does not grow with files, creators or versions."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from lxml import html as lxml_html

from repository import signposting
from repository.services import record_withdraw
from tests.repository.landing_support import (
    ORCID_ANNE,
    ORCID_CHIARA,
    add_version,
    counting,  # noqa: F401 - the fixture
    full_metadata,
    record_create,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("counting")]


@pytest.fixture
def record(depositor, communities):
    return record_create(
        owner=depositor, community=communities["ocean"], files=[("ctd casts.nc", 4096), ("README.md", 512)]
    )


def page_of(response):
    return lxml_html.fromstring(response.content)


def links_of(response) -> list[tuple[str, str, str | None]]:
    """(URL, rel, type) of each link of the `Link` header."""
    found = []
    for part in re.split(r",\s*(?=<)", response["Link"]):
        url = part[part.index("<") + 1 : part.index(">")]
        rel = re.search(r'rel="([^"]+)"', part).group(1)
        media_type = re.search(r'type="([^"]+)"', part)
        found.append((url, rel, media_type.group(1) if media_type else None))
    return found


def test_the_landing_page_shows_the_record(client, record):
    response = client.get(record.get_absolute_url())
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = page_of(response)
    text = page.text_content()
    assert page.xpath("//h1/text()") == [record.title]
    assert "Profils CTD de la campagne PELGAS 2024" in text  # the translated title
    assert "Version 1" in text and "Published" in text
    # Creators with their ORCID iD and affiliations (with ROR)
    assert page.xpath(f"//ul[contains(@class,'creators')]//a[@href='https://orcid.org/{ORCID_ANNE}']")
    assert page.xpath("//ul[contains(@class,'creators')]//a[@href='https://ror.org/044jxhp58' and text()='Ifremer']")
    assert "Coriolis & Co_data {centre}" in text
    assert "Temperature and salinity profiles from 120 CTD casts." in text
    assert "Processed with SBE Data Processing" in text  # lineage
    # The extent: the map's data, and the same in words
    shapes = json.loads(page.xpath("//script[@id='extent-shapes']/text()")[0])
    assert [s["kind"] for s in shapes] == ["box", "point", "polygon"]
    assert page.xpath("//div[@id='extent-map' and @role='region' and @aria-label]")
    assert "Bay of Biscay" in text and "West -6.0°, east -1.0°, south 43.5°, north 48.0°" in text
    assert (
        " ".join(page.xpath("//dd[@id='temporal-extent']")[0].text_content().split()) == "April 25, 2024 – May 30, 2024"
    )
    assert page.xpath("//dd[@id='vertical-extent']")[0].text_content() == "0 to 2000 m below the sea surface"
    # Keywords linked to their concepts, grouped by kind
    assert page.xpath("//section[@id='keywords']//a[@href='http://vocab.nerc.ac.uk/collection/P01/current/PSALPR01/']")
    assert {"Topics", "Parameters", "Places", "Instruments"} <= set(page.xpath("//section[@id='keywords']//dt/text()"))
    # Related resources, funding, licence
    assert page.xpath("//section[@id='related']//a[@href='https://doi.org/10.1016/j.pocean.2024.103210']")
    assert "Supplement to" in text and "Compiled by" in text
    assert page.xpath(
        "//section[@id='funding']//a[@href='https://anr.fr/Projet-ANR-21-CE01-0001' and text()='ANR-21-CE01-0001']"
    )
    assert page.xpath("//a[@rel='license noopener' and @href='https://creativecommons.org/licenses/by/4.0/legalcode']")
    # Files: name, format, size, SHA-256, download
    rows = page.xpath("//table[contains(@class,'files')]/tbody/tr")
    assert len(rows) == 2
    first = rows[0]
    assert first.xpath("th/a/text()") == ["README.md"]
    assert first.xpath("th/a/@href") == [
        reverse("repository:file-download", kwargs={"pk": record.pk, "name": "README.md"})
    ]
    assert first.xpath("td[1]/abbr/text()") == ["MD"] and first.xpath("td[1]/abbr/@title") == ["text/markdown"]
    assert first.xpath("td[2]/text()") == ["512\xa0bytes"]
    assert first.xpath("td[3]/span/text()") == [f"{1:064x}"]
    assert rows[1].xpath("td[1]/abbr/@title") == ["application/x-netcdf"]
    # The citation box: the citation, a copy button, the exports; the DOI
    assert page.xpath("//p[@id='citation-text']/text()") == [
        f"Le Goff, A.; Martin, P.; Coriolis & Co_data {{centre}} ({record.publication_date.year}). "
        f"CTD casts of the PELGAS 2024 cruise, Bay of Biscay. Estran. https://doi.org/{record.doi}"
    ]
    assert page.xpath("//button[@id='copy-citation' and @data-copy-target='citation-text']")
    assert page.xpath("//p[@id='citation-status' and @role='status' and @aria-live='polite']")
    for fmt in ("bibtex", "ris", "csl-json", "datacite-xml", "datacite-json", "schemaorg", "iso19115-3"):
        assert page.xpath(f"//a[@href='{reverse('repository:export', kwargs={'pk': record.pk, 'fmt': fmt})}']"), fmt
    assert page.xpath(f"//a[@class='doi' and @href='https://doi.org/{record.doi}']")
    assert "0 views · 0 downloads" in " ".join(text.split())


def test_the_page_embeds_schema_org_json_ld_and_highwire_tags(client, record):
    page = page_of(client.get(record.get_absolute_url()))
    scripts = page.xpath("//script[@type='application/ld+json']/text()")
    assert len(scripts) == 1
    data = json.loads(scripts[0])
    assert data["@type"] == "Dataset" and data["@id"] == f"https://doi.org/{record.doi}"
    assert data["url"] == record.landing_url
    served = client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": "schemaorg"})).json()
    assert data == served  # the page and the export say the same
    assert page.xpath("//meta[@name='citation_doi']/@content") == [record.doi]
    assert len(page.xpath("//meta[@name='citation_author']")) == 3
    assert page.xpath("//link[@rel='cite-as']/@href") == [f"https://doi.org/{record.doi}"]
    assert "application/vnd.datacite.datacite+xml" in page.xpath("//link[@rel='describedby']/@type")


def test_a_script_end_tag_in_the_metadata_cannot_escape_the_json_ld(client, depositor, communities):
    metadata = full_metadata("Glider </script><script>alert(1)</script> section")
    record = record_create(owner=depositor, community=communities["ocean"], metadata=metadata)
    body = client.get(record.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in body
    page = lxml_html.fromstring(body)
    assert json.loads(page.xpath("//script[@type='application/ld+json']/text()")[0])["name"] == record.title


def test_the_signposting_links_are_in_the_headers_of_get_and_head(client, record, settings):
    site = settings.SITE_URL
    for method in (client.get, client.head):
        response = method(record.get_absolute_url())
        assert response.status_code == 200
        links = links_of(response)
        assert (f"https://doi.org/{record.doi}", "cite-as", None) in links
        assert ("https://schema.org/Dataset", "type", None) in links
        assert ("https://schema.org/AboutPage", "type", None) in links
        assert (f"https://orcid.org/{ORCID_ANNE}", "author", None) in links
        assert f"https://orcid.org/{ORCID_CHIARA}" not in response["Link"]  # a contributor, not an author
        assert ("https://creativecommons.org/licenses/by/4.0/legalcode", "license", None) in links
        describedby = {t: url for url, rel, t in links if rel == "describedby"}
        assert describedby["application/vnd.datacite.datacite+xml"] == f"{site}/records/{record.pk}/export/datacite-xml"
        assert {
            "application/vnd.datacite.datacite+json",
            "application/ld+json",
            "application/vnd.iso.19115-3+xml",
            "application/x-bibtex",
            "application/x-research-info-systems",
            "application/vnd.citationstyles.csl+json",
        } <= set(describedby)
        items = {url: t for url, rel, t in links if rel == "item"}
        assert items == {
            f"{site}/records/{record.pk}/files/README.md": "text/markdown",
            f"{site}/records/{record.pk}/files/ctd%20casts.nc": "application/x-netcdf",
        }
        assert (f"{site}/records/{record.pk}/export/linkset", "linkset", "application/linkset+json") in links
        # the schema.org JSON-LD's media type is shared by many formats: its profile says which
        assert (
            f'<{site}/records/{record.pk}/export/schemaorg>; rel="describedby"; type="application/ld+json"; '
            'profile="https://schema.org/"'
        ) in response["Link"]
        # typed where the FAIR Signposting recipe defines a type (describedby, item, linkset), nowhere else
        assert {rel for _url, rel, media_type in links if media_type is None} == {
            "cite-as",
            "type",
            "author",
            "license",
        }
    assert client.head(record.get_absolute_url()).content == b""
    # a HEAD first leaves nothing empty in the page cache
    from django.core.cache import cache

    cache.clear()
    assert client.head(record.get_absolute_url()).status_code == 200
    assert record.title in client.get(record.get_absolute_url()).content.decode()


def test_with_many_files_the_items_are_in_the_linkset_only(client, depositor, communities, settings):
    record = record_create(owner=depositor, community=communities["ocean"], files=signposting.MAX_HEADER_ITEMS + 1)
    response = client.get(record.get_absolute_url())
    assert [link for link in links_of(response) if link[1] == "item"] == []
    assert len(response["Link"]) < 4096  # what proxies accept
    linkset = client.get(reverse("repository:export", kwargs={"pk": record.pk, "fmt": "linkset"}))
    assert linkset["Content-Type"] == "application/linkset+json; charset=utf-8"
    context = linkset.json()["linkset"][0]
    assert context["anchor"] == record.landing_url
    files = [item for item in context["item"] if "/files/" in item["href"]]
    assert len(files) == signposting.MAX_HEADER_ITEMS + 1
    assert context["item"][-1] == {
        "href": f"{settings.SITE_URL}/records/{record.pk}/files.zip",
        "type": "application/zip",
    }
    assert context["cite-as"] == [{"href": f"https://doi.org/{record.doi}"}]
    assert {"href": "https://schema.org/Dataset"} in context["type"]
    assert {
        "href": f"{settings.SITE_URL}/records/{record.pk}/export/schemaorg",
        "type": "application/ld+json",
        "profile": "https://schema.org/",
    } in context["describedby"]
    # Level 2: the links whose origin is a file or a metadata format, each pointing back at the page
    parts = {
        c["anchor"]: {rel: targets for rel, targets in c.items() if rel != "anchor"}
        for c in linkset.json()["linkset"][1:]
    }
    back = [{"href": record.landing_url, "type": "text/html"}]
    assert parts == {
        **{item["href"]: {"collection": back} for item in context["item"]},
        **{meta["href"]: {"describes": back} for meta in context["describedby"]},
    }
    assert parts[f"{settings.SITE_URL}/records/{record.pk}/manifest-sha256.txt"] == {"describes": back}
    # the same links in the `Link` header of each part: no cite-as there, the DOI is the dataset's
    linkset_link = (f"{settings.SITE_URL}/records/{record.pk}/export/linkset", "linkset", "application/linkset+json")
    for described in ("manifest-sha256.txt", "files.txt"):
        response = client.get(f"/records/{record.pk}/{described}")
        assert links_of(response) == [(record.landing_url, "describes", "text/html"), linkset_link]


def test_embargoed_files_are_listed_but_not_signposted(client, depositor, communities):
    from datetime import date, timedelta

    metadata = full_metadata()
    metadata["access"] = {"level": "embargoed", "embargo_until": (date.today() + timedelta(days=30)).isoformat()}
    record = record_create(owner=depositor, community=communities["ocean"], metadata=metadata)
    response = client.get(record.get_absolute_url())
    assert "The files are under embargo until" in response.content.decode()
    assert "ctd.nc" in response.content.decode()
    assert [link for link in links_of(response) if link[1] == "item"] == []
    data = json.loads(page_of(response).xpath("//script[@type='application/ld+json']/text()")[0])
    assert data["conditionsOfAccess"].startswith("Embargoed")


def test_embargoed_files_show_a_lock_to_readers_and_download_links_to_their_depositor(client, depositor, communities):
    from datetime import date, timedelta

    from django.utils.formats import date_format

    opens = date.today() + timedelta(days=30)
    metadata = full_metadata()
    metadata["access"] = {"level": "embargoed", "embargo_until": opens.isoformat()}
    record = record_create(owner=depositor, community=communities["ocean"], metadata=metadata)
    download = reverse("repository:file-download", kwargs={"pk": record.pk, "name": "ctd.nc"})
    page = page_of(client.get(record.get_absolute_url()))
    assert page.xpath(f"//a[@href='{download}']") == []
    locks = page.xpath("//section[@id='files']//*[contains(@class, 'file-lock')]")
    assert [" ".join(lock.text_content().split()) for lock in locks] == [f"Opens on {date_format(opens)}"]
    client.force_login(depositor)
    page = page_of(client.get(record.get_absolute_url()))
    assert len(page.xpath(f"//a[@href='{download}']")) == 2  # the name and the Download button
    assert page.xpath("//*[contains(@class, 'file-lock')]") == []


def test_the_files_table_scrolls_under_the_keyboard_even_without_a_link_to_tab_to(client, depositor, communities):
    """Under embargo a reader's table has no link: its scrolling box (on a phone) takes the focus
    itself and is named by the table's caption, not by the section's heading (axe's
    scrollable-region-focusable and landmark-unique)."""
    from datetime import date, timedelta

    metadata = full_metadata()
    metadata["access"] = {"level": "embargoed", "embargo_until": (date.today() + timedelta(days=30)).isoformat()}
    record = record_create(owner=depositor, community=communities["ocean"], metadata=metadata)
    page = page_of(client.get(record.get_absolute_url()))
    [box] = page.xpath("//section[@id='files']//div[contains(@class, 'table-wrap')]")
    assert box.get("tabindex") == "0" and box.get("role") == "region"
    [caption] = box.xpath(f".//table/caption[@id='{box.get('aria-labelledby')}']")
    assert " ".join(caption.text_content().split()).endswith("in all")
    assert not box.xpath(".//a")


def test_codes_and_dates_are_shown_in_the_readers_words():
    from django.utils import translation

    from repository.templatetags.landing_tags import date_text, language_label, resource_type_label

    with translation.override("fr"):
        assert [language_label(code) for code in ("en", "fr-CA", "zxx")] == [
            "Anglais",
            "Français",
            "Pas de contenu linguistique (uniquement des nombres)",
        ]
        assert language_label("nl") not in ("nl", "")  # Django's name for a language the wizard does not offer
        assert language_label("qaa") == "qaa"  # no name known: the code
        assert resource_type_label("Dataset") == "Jeu de données"
        assert resource_type_label("JournalArticle") == "Article de revue"  # every DataCite type has a label
        assert resource_type_label("Hologram") == "Hologram"  # not a DataCite type: its name as given
        assert date_text("2024-04-25/2024-05-30") == "25 avril 2024 – 30 mai 2024"
        assert date_text("2024-04-25/") == "25 avril 2024 – en cours"
        assert date_text("2024-05") == "2024-05" and date_text("2024") == "2024"
    with translation.override("en"):
        assert language_label("en-GB") == "English"
        assert date_text("/2024-05-30") == "… – May 30, 2024"


def test_the_style_chooser_shows_a_formatted_citation(client, record):
    page = page_of(client.get(record.get_absolute_url(), {"style": "apa"}))
    assert page.xpath("//p[@id='citation-text']/text()")[0].startswith(
        f"Le Goff, A., Martin, P., & Coriolis & Co_data {{centre}}. ({record.publication_date.year}). CTD casts"
    )
    assert page.xpath("//select[@id='citation-style']/option[@selected]/@value") == ["apa"]
    # an unknown style is the default one
    page = page_of(client.get(record.get_absolute_url(), {"style": "../../etc/passwd"}))
    assert page.xpath("//p[@id='citation-text']/text()")[0].startswith("Le Goff, A.; Martin, P.")


def test_the_page_lists_the_versions_and_the_newer_one(client, record):
    second = add_version(record)
    page = page_of(client.get(record.get_absolute_url()))
    text = " ".join(page.text_content().split())
    assert "A newer version of this dataset exists (version 2)." in text
    assert page.xpath(f"//section[@aria-labelledby='versions-title']//a[@href='{second.get_absolute_url()}']")
    citation = page_of(client.get(second.get_absolute_url())).xpath("//p[@id='citation-text']/text()")[0]
    assert "Version 2." in citation


def test_a_withdrawn_record_is_a_tombstone_with_its_citation(client, record, moderator):
    record_withdraw(record=record, actor=moderator, reason="data_error", note="The salinity sensor drifted.")
    response = client.get(record.get_absolute_url())
    assert response.status_code == 410
    page = page_of(response)
    text = page.text_content()
    assert (
        "This record was withdrawn" in text and "Errors in the data" in text and "The salinity sensor drifted." in text
    )
    assert page.xpath("//p[@id='citation-text']/text()")[0].startswith("Le Goff, A.; Martin, P.")
    assert f"https://doi.org/{record.doi}" in text
    assert "ctd casts.nc" not in text and "README.md" not in text
    assert page.xpath("//meta[@name='robots' and @content='noindex']")
    assert not page.xpath("//script[@type='application/ld+json']")
    links = links_of(response)
    assert (f"https://doi.org/{record.doi}", "cite-as", None) in links
    assert [link for link in links if link[1] == "item"] == []
    head = client.head(record.get_absolute_url())
    assert head.status_code == 410 and "cite-as" in head["Link"]
    # the exports go on: a citation of a withdrawn record stays traceable
    bibtex = client.get(record.get_absolute_url(), HTTP_ACCEPT="application/x-bibtex")
    assert bibtex.status_code == 200 and record.doi in bibtex.content.decode()
    schema = client.get(record.get_absolute_url(), HTTP_ACCEPT="application/ld+json").json()
    assert schema["creativeWorkStatus"] == "Withdrawn" and "distribution" not in schema


def test_the_page_is_in_french(client, record):
    client.cookies["django_language"] = "fr"
    body = client.get(record.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    page = lxml_html.fromstring(body)
    assert page.xpath("/html/@lang") == ["fr"]
    text = " ".join(page.text_content().split())
    for french in (
        "Citer ce jeu de données",
        "Copier la citation",
        "Fichiers",
        "Où et quand",
        "Mots-clés",
        "Ressources liées",
        "Financement",
        "0 consultation · 0 téléchargement",
        "Supplément à",
    ):
        assert french in text, french


def test_the_page_is_printable_and_accessible(client, record):
    page = page_of(client.get(record.get_absolute_url()))
    assert page.xpath("//link[@rel='stylesheet' and contains(@href, 'css/landing.css')]")
    assert len(page.xpath("//h1")) == 1
    assert page.xpath("//main") and page.xpath("//article[@aria-labelledby='record-title']")
    assert page.xpath("//aside[@aria-label]")
    for section in page.xpath("//section[@aria-labelledby]"):
        assert page.xpath(f"//*[@id='{section.get('aria-labelledby')}']"), section.get("aria-labelledby")
    assert page.xpath("//table[contains(@class,'files')]/caption")
    assert page.xpath("//label[@for='citation-style']")
    css = (pytest.importorskip("django.conf").settings.BASE_DIR / "static/css/landing.css").read_text()
    assert "@media print" in css and ".no-print" in css and ".leaflet-control-container" in css


@pytest.mark.parametrize("role", [None, "depositor", "other_depositor", "moderator", "other_moderator", "admin"])
def test_the_landing_page_is_public_for_every_role(client, record, role, request):
    if role:
        client.force_login(request.getfixturevalue(role))
    assert client.get(record.get_absolute_url()).status_code == 200
    assert client.head(record.get_absolute_url()).status_code == 200


def test_an_unknown_record_is_not_found(client):
    assert client.get("/records/999999").status_code == 404
    assert client.head("/records/999999").status_code == 404


def test_only_get_and_head(client, record):
    assert client.post(record.get_absolute_url()).status_code == 405


def _queries(client, url, django_assert_max_num_queries, limit=None):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert (
            client.get(
                url,
                HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
                REMOTE_ADDR=f"192.0.2.{len(url) % 250}",
            ).status_code
            == 200
        )
    return len(captured.captured_queries)


@pytest.mark.parametrize("role", [None, "depositor"])
def test_the_landing_page_runs_a_bounded_number_of_queries(
    client, depositor, communities, role, request, django_assert_max_num_queries
):
    """1 file, 1 creator, 1 version; then 500 files, 60 creators and 4 versions: the same queries
    (anonymous, page not cached yet: its state with the usage totals, the record, its files, its
    versions, the usage count)."""
    if role:
        client.force_login(request.getfixturevalue(role))
    small = full_metadata()
    small["creators"] = small["creators"][:1]
    one = record_create(owner=depositor, community=communities["ocean"], metadata=small, files=1)
    baseline = _queries(client, one.get_absolute_url(), django_assert_max_num_queries)
    if role is None:
        assert baseline <= 5

    big = full_metadata()
    big["creators"] = [{"name": f"Author{i:02d}, Given", "affiliations": [{"name": f"Lab {i}"}]} for i in range(60)]
    first = record_create(owner=depositor, community=communities["ocean"], metadata=big, files=500)
    latest = first
    for _ in range(3):
        latest = add_version(latest, metadata=big, files=500)
    for record in (first, latest):
        with django_assert_max_num_queries(baseline):
            response = client.get(
                record.get_absolute_url(),
                HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            )
        assert response.status_code == 200
        assert response.content.decode().count("<tr>") == 101  # a page of files, and the header row


def test_an_anonymous_page_is_cached_with_fresh_counts_and_its_own_csrf_token(
    client, record, moderator, django_assert_num_queries
):
    firefox = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"}
    first = client.get(record.get_absolute_url(), REMOTE_ADDR="192.0.2.1", **firefox)
    other = Client()
    with django_assert_num_queries(2):  # the page's state and usage totals; the count of this view
        second = other.get(record.get_absolute_url(), REMOTE_ADDR="192.0.2.2", **firefox)
    assert second.status_code == 200 and second["Link"] == first["Link"]
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    one, two = first.content.decode(), second.content.decode()
    assert token.search(one).group(1) != token.search(two).group(1)
    assert "ESTRANCSRFTOKENMARK" not in two and "estran:usage" not in two
    assert "0 views · 0 downloads" in one and "1 view · 0 downloads" in two
    assert token.sub("", one).replace("0 views", "1 view") == token.sub("", two)
    # the language form posts with the cached page's token
    assert (
        other.post(
            "/i18n/setlang/", {"language": "fr", "next": "/", "csrfmiddlewaretoken": token.search(two).group(1)}
        ).status_code
        == 302
    )
    # what the page shows changes its key: a withdrawal is seen at once
    record_withdraw(record=record, actor=moderator, reason="data_error", note="")
    assert client.get(record.get_absolute_url()).status_code == 410

"""The federation's metadata import (signed aggregates made by the test federation with xmlsec1)
and the discovery of institutions (search by name, domain, scope; the last choice remembered)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from lxml import etree

from tests.fakes.saml_idp import FakeIdP, federation_aggregate, make_key_pair

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:CFB has been moved:cryptography.utils.CryptographyDeprecationWarning"),
]

FEDERATION = "https://federation.test/estran-test"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("federation")


@pytest.fixture(scope="module")
def federation_key(workdir):
    return make_key_pair(workdir, "federation", common_name="Test federation metadata signer")


@pytest.fixture(scope="module")
def idps(workdir):
    """Three institutions; the third hides from discovery."""
    return [
        FakeIdP(
            entity_id="https://idp.univ-rennes.example/idp/shibboleth",
            sso_url="https://idp.univ-rennes.example/idp/profile/SAML2/Redirect/SSO",
            workdir=workdir,
            name_en="University of Rennes",
            name_fr="Université de Rennes",
            scopes=["univ-rennes.example"],
            logo_url="https://idp.univ-rennes.example/logo.png",
        ),
        FakeIdP(
            entity_id="https://sso.ifremer.example/idp",
            sso_url="https://sso.ifremer.example/sso",
            workdir=workdir,
            name_en="French Research Institute for Exploitation of the Sea",
            name_fr="Institut français de recherche pour l'exploitation de la mer",
            scopes=["ifremer.example"],
        ),
        FakeIdP(
            entity_id="https://idp.hidden.example/idp",
            sso_url="https://idp.hidden.example/sso",
            workdir=workdir,
            name_en="Hidden Test IdP",
            name_fr="",
            scopes=["hidden.example"],
            hide_from_discovery=True,
        ),
    ]


def sp_entity() -> bytes:
    """A service provider of the federation: not an IdP, not imported."""
    return (
        b'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example/sp">'
        b'<md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        b'<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" '
        b'Location="https://sp.example/acs" index="1"/></md:SPSSODescriptor></md:EntityDescriptor>'
    )


def post_only_idp(workdir) -> bytes:
    """An IdP with no HTTP-Redirect SSO endpoint: it cannot receive our requests; skipped."""
    fake = FakeIdP(
        entity_id="https://post-only.example/idp",
        sso_url="https://post-only.example/sso",
        workdir=workdir,
    )
    entity = fake.entity_descriptor()
    for sso in entity.iter("{urn:oasis:names:tc:SAML:2.0:metadata}SingleSignOnService"):
        sso.set("Binding", "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST")
    return etree.tostring(entity)


def write(tmp_path, data: bytes, name: str = "aggregate.xml"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def import_file(path, federation_key, *, expect_failure: bool = False) -> str:
    out = StringIO()
    if expect_failure:
        with pytest.raises(CommandError) as error:
            call_command(
                "estran_import_federation",
                "--file",
                str(path),
                "--cert",
                str(federation_key.cert_path),
                stdout=out,
            )
        return str(error.value)
    call_command(
        "estran_import_federation",
        "--file",
        str(path),
        "--cert",
        str(federation_key.cert_path),
        stdout=out,
    )
    return out.getvalue()


@pytest.fixture
def imported(idps, federation_key, workdir, tmp_path):
    aggregate = federation_aggregate([*idps, sp_entity(), post_only_idp(workdir)], key=federation_key, name=FEDERATION)
    return import_file(write(tmp_path, aggregate), federation_key)


# ---- the import ------------------------------------------------------------------------------


def test_a_signed_aggregate_registers_every_idp_with_its_names_scopes_and_logo(imported, idps):
    from accounts.models import FederationImport, IdentityProvider

    assert "identity providers: 3 / 3" in imported  # progress
    assert "3 identity providers added, 0 updated, 0 deactivated, 1 skipped" in imported
    assert IdentityProvider.objects.count() == 3
    rennes = IdentityProvider.objects.get(entity_id="https://idp.univ-rennes.example/idp/shibboleth")
    assert (rennes.name_en, rennes.name_fr) == ("University of Rennes", "Université de Rennes")
    assert rennes.scopes == [{"value": "univ-rennes.example", "regexp": False}]
    assert rennes.logo_url == "https://idp.univ-rennes.example/logo.png"
    assert rennes.sso_url == "https://idp.univ-rennes.example/idp/profile/SAML2/Redirect/SSO"
    assert rennes.signing_certificates == [idps[0].keys.cert_body]
    assert rennes.federation == FEDERATION and rennes.active and not rennes.hide_from_discovery
    assert rennes.display_name("fr") == "Université de Rennes"
    assert IdentityProvider.objects.get(entity_id="https://idp.hidden.example/idp").hide_from_discovery
    assert not IdentityProvider.objects.filter(entity_id="https://sp.example/sp").exists()
    record = FederationImport.objects.get()
    assert record.status == "succeeded" and record.valid_until and record.federation == FEDERATION


def test_a_tampered_aggregate_imports_nothing_and_keeps_the_previous_set(imported, idps, federation_key, tmp_path):
    from accounts.models import FederationImport, IdentityProvider

    before = list(IdentityProvider.objects.order_by("pk").values())
    tampered = federation_aggregate(idps[:1], key=federation_key, name=FEDERATION, tamper=True)
    message = import_file(write(tmp_path, tampered, "tampered.xml"), federation_key, expect_failure=True)
    assert "Nothing imported" in message and "signature is not valid" in message
    assert list(IdentityProvider.objects.order_by("pk").values()) == before
    assert not IdentityProvider.objects.filter(name_en="Evil University").exists()
    failed = FederationImport.objects.filter(status="failed").get()
    assert "signature is not valid" in failed.reason


def test_an_expired_aggregate_imports_nothing_and_keeps_the_previous_set(imported, idps, federation_key, tmp_path):
    from accounts.models import IdentityProvider

    before = list(IdentityProvider.objects.order_by("pk").values())
    expired = federation_aggregate(
        idps[:1],
        key=federation_key,
        name=FEDERATION,
        valid_until=datetime.now(UTC) - timedelta(hours=1),
    )
    message = import_file(write(tmp_path, expired, "expired.xml"), federation_key, expect_failure=True)
    assert "expired" in message
    assert list(IdentityProvider.objects.order_by("pk").values()) == before


@pytest.mark.parametrize("case", ["other key", "unsigned", "nested in an unsigned aggregate", "too far validUntil"])
def test_an_aggregate_not_signed_by_the_federation_for_the_whole_document_is_refused(
    case, idps, federation_key, workdir, tmp_path
):
    from accounts.models import IdentityProvider

    if case == "other key":
        data = federation_aggregate(idps, key=make_key_pair(workdir, "rogue-federation"), name=FEDERATION)
    elif case == "unsigned":
        root = etree.fromstring(federation_aggregate(idps, key=federation_key))
        root.remove(root.find("{http://www.w3.org/2000/09/xmldsig#}Signature"))
        data = etree.tostring(root)
    elif case == "nested in an unsigned aggregate":
        # A signed aggregate wrapped in an unsigned one that adds an IdP of the attacker's.
        signed = etree.fromstring(federation_aggregate(idps[:1], key=federation_key))
        outer = etree.Element(
            "{urn:oasis:names:tc:SAML:2.0:metadata}EntitiesDescriptor",
            validUntil=signed.get("validUntil"),
        )
        outer.append(signed)
        outer.append(
            FakeIdP(
                entity_id="https://evil.example/idp",
                sso_url="https://evil.example/sso",
                workdir=workdir,
            ).entity_descriptor()
        )
        data = etree.tostring(outer)
    else:
        data = federation_aggregate(idps, key=federation_key, valid_until=datetime.now(UTC) + timedelta(days=400))
    message = import_file(write(tmp_path, data), federation_key, expect_failure=True)
    assert "Nothing imported" in message
    assert IdentityProvider.objects.count() == 0


def test_a_new_aggregate_updates_renames_and_deactivates(imported, idps, federation_key, workdir, tmp_path):
    from accounts.models import IdentityProvider

    renamed = FakeIdP(
        entity_id=idps[0].entity_id,
        sso_url=idps[0].sso_url,
        workdir=workdir,
        name_en="Rennes University",
        name_fr="Université de Rennes",
        scopes=["univ-rennes.example"],
    )
    out = import_file(
        write(tmp_path, federation_aggregate([renamed, idps[1]], key=federation_key, name=FEDERATION)),
        federation_key,
    )
    assert "0 identity providers added, 1 updated, 1 deactivated" in out
    rennes = IdentityProvider.objects.get(entity_id=idps[0].entity_id)
    assert rennes.name_en == "Rennes University"
    assert rennes.signing_certificates == [renamed.keys.cert_body]  # key rollover follows the metadata
    assert not IdentityProvider.objects.get(entity_id=idps[2].entity_id).active
    assert [i.slug for i in __import__("accounts.saml.discovery", fromlist=["search"]).search("rennes")] == [
        rennes.slug
    ]


# ---- from a URL, and on schedule -------------------------------------------------------------


class _Server:
    """Serves fixed bytes on loopback (the federation's metadata URL)."""

    def __init__(self, body: bytes, status: int = 200):
        self.body, self.status = body, status
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.send_response(outer.status)
                self.send_header("Content-Type", "application/samlmetadata+xml")
                self.send_header("Content-Length", str(len(outer.body)))
                self.end_headers()
                self.wfile.write(outer.body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        host, port = self.httpd.server_address[:2]
        self.url = f"http://{host}:{port}/metadata.xml"
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_the_command_fetches_the_aggregate_from_a_url(idps, federation_key):
    from accounts.models import IdentityProvider

    with _Server(federation_aggregate(idps, key=federation_key, name=FEDERATION)) as server:
        out = StringIO()
        call_command(
            "estran_import_federation",
            "--url",
            server.url,
            "--cert",
            str(federation_key.cert_path),
            "--timeout",
            "5",
            stdout=out,
        )
    assert "downloading" in out.getvalue() and "3 identity providers added" in out.getvalue()
    assert IdentityProvider.objects.count() == 3


def test_the_scheduled_task_imports_from_the_configured_url_and_records_failures(idps, federation_key, settings):
    from accounts.models import FederationImport, IdentityProvider
    from accounts.tasks import import_federation_task

    settings.SAML_FEDERATION_CERT = federation_key.cert_pem
    with _Server(federation_aggregate(idps, key=federation_key, name=FEDERATION)) as server:
        settings.SAML_FEDERATION_METADATA_URL = server.url
        result = import_federation_task.apply().get()
    assert result["status"] == "succeeded" and result["created"] == 3
    assert IdentityProvider.objects.count() == 3

    with _Server(b"unavailable", status=503) as server:
        settings.SAML_FEDERATION_METADATA_URL = server.url
        settings.SAML_FEDERATION_TIMEOUT = 2
        from accounts.saml.federation import federation_import

        record = federation_import(source=server.url)
    assert record.status == "failed" and "503" in record.reason and record.retryable
    assert IdentityProvider.objects.filter(active=True).count() == 3
    assert FederationImport.objects.filter(status="failed").count() == 1


def test_the_daily_import_is_scheduled_only_when_a_federation_url_is_set():
    import subprocess
    import sys

    code = (
        "import os; os.environ['SAML_FEDERATION_METADATA_URL']=%r; "
        "from config.settings import saml; s = saml.CELERY_BEAT_SCHEDULE.get('saml-federation-import'); "
        "print(s['task'] if s else None)"
    )

    def run(url: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", code % url], capture_output=True, text=True, check=True
        ).stdout.strip()

    renater = "https://metadata.federation.renater.fr/renater/main/main-idps-renater-metadata.xml"
    assert run(renater) == "accounts.saml.import_federation"
    assert run("") == "None"


# ---- discovery -------------------------------------------------------------------------------


def search(query: str) -> list[str]:
    response = Client().get(reverse("accounts:saml-discovery-search"), {"q": query})
    assert response.status_code == 200
    return [r["name"] for r in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("rennes", ["University of Rennes"]),
        ("Univ Renn", ["University of Rennes"]),
        ("universite", ["University of Rennes"]),  # the French name, without its accent
        ("ifremer.example", ["French Research Institute for Exploitation of the Sea"]),  # a scope
        (
            "anne.martin@ifremer.example",
            ["French Research Institute for Exploitation of the Sea"],
        ),  # an address
        ("univ-rennes.example", ["University of Rennes"]),
        ("exploitation mer", ["French Research Institute for Exploitation of the Sea"]),
        ("hidden", []),  # hidden from discovery
        ("x", []),
        ("sorbonne", []),
    ],
)
def test_discovery_finds_institutions_by_name_domain_or_scope(imported, query, names):
    assert search(query) == names


def test_discovery_answers_in_the_users_language(imported):
    response = Client().get(reverse("accounts:saml-discovery-search"), {"q": "rennes"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json()["results"][0]["name"] == "Université de Rennes"
    assert response.json()["results"][0]["domain"] == "univ-rennes.example"


def test_discovery_search_is_bounded_whatever_the_number_of_idps(django_assert_max_num_queries):
    from accounts.models import FederationImport
    from accounts.saml.discovery import keywords_for
    from accounts.saml.federation import IdPEntry, register_idps

    entries = []
    for n in range(600):
        names = [f"Université numéro {n} de Test", f"Test University number {n}"]
        scopes = [{"value": f"u{n}.test.example", "regexp": False}]
        entry = IdPEntry(
            entity_id=f"https://idp.u{n}.test.example/idp",
            name_en=names[1],
            name_fr=names[0],
            logo_url="",
            scopes=scopes,
            sso_url=f"https://idp.u{n}.test.example/sso",
            signing_certificates=["MIIB"],
        )
        entry.keywords = keywords_for(names=names, scopes=scopes, entity_id=entry.entity_id, sso_url=entry.sso_url)
        entries.append(entry)
    record = FederationImport.objects.create(federation="bulk", source="bulk")
    register_idps(entries=entries, federation="bulk", record=record)

    with django_assert_max_num_queries(1):
        assert len(search("university")) == 20
    with django_assert_max_num_queries(1):
        assert search("u123.test.example") == ["Test University number 123"]
    with django_assert_max_num_queries(1):
        assert len(search("test university numb")) == 20


def test_the_discovery_page_without_javascript_lists_the_results(imported):
    page = Client().get(reverse("accounts:saml-discovery"), {"q": "rennes", "next": "/deposits/"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "University of Rennes" in html and "1 institution found." in html
    assert 'name="next" value="/deposits/"' in html


def test_the_last_choice_is_remembered(imported):
    from accounts.models import IdentityProvider

    rennes = IdentityProvider.objects.get(entity_id="https://idp.univ-rennes.example/idp/shibboleth")
    client = Client(HTTP_HOST="testserver")
    response = client.post(reverse("accounts:saml-signin"), {"idp": rennes.slug})
    assert response.status_code == 302 and response["Location"].startswith(rennes.sso_url)
    assert response.cookies["estran_idps"].value == rennes.slug
    page = client.get(reverse("accounts:saml-discovery")).content.decode()
    assert "Your last choice" in page and "University of Rennes" in page


def test_the_sign_in_page_leads_to_the_institution_discovery():
    page = Client().get(reverse("account_login") + "?next=/deposits/").content.decode()
    assert "Sign in with your institution" in page
    assert reverse("accounts:saml-discovery") + "?next=/deposits/" in page.replace("%2F", "/")


def test_operators_see_the_imports_and_idps_in_the_admin(imported, admin):
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/accounts/federationimport/").content.decode()
    assert "succeeded" in page and FEDERATION in page
    assert "University of Rennes" in client.get("/admin/accounts/identityprovider/").content.decode()


def test_the_discovery_page_speaks_french():
    from django.utils import translation

    with translation.override("fr"):
        page = Client().get(reverse("accounts:saml-discovery"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Se connecter avec son établissement" in page


@pytest.mark.parametrize("role", ["anonymous", "depositor", "other_depositor", "moderator", "other_moderator", "admin"])
def test_the_institution_pages_are_open_to_every_role(role, request, imported):
    """Discovery, its search, the hand-over and the SP metadata are public (a signed-in user uses
    them to link an institution); the federation's admin is for administrators only."""
    client = Client(HTTP_HOST="testserver")
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("accounts:saml-discovery")).status_code == 200
    assert client.get(reverse("accounts:saml-discovery-search"), {"q": "rennes"}).status_code == 200
    assert client.get("/saml/metadata").status_code == 200
    assert client.post(reverse("accounts:saml-signin"), {"idp": "unknown"}).status_code == 400
    admin_page = client.get("/admin/accounts/identityprovider/")
    assert admin_page.status_code == (200 if role == "admin" else 302)

"""Users, thematic communities (moderated through guardian object permissions) and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy as _


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    orcid = models.CharField(_("ORCID iD"), max_length=19, blank=True)
    orcid_authenticated = models.BooleanField(
        _("ORCID iD authenticated"),
        default=False,
        help_text=_("True when the iD came from an ORCID sign-in, false when typed by hand."),
    )
    affiliation = models.CharField(_("affiliation"), max_length=300, blank=True)
    affiliation_ror = models.URLField(_("affiliation ROR id"), blank=True)

    @property
    def name(self) -> str:
        """How the site's own pages name the user (signed-in people only: the username as a last resort)."""
        return self.display_name or self.get_full_name() or self.username

    @property
    def public_name(self) -> str:
        """The name anything public may carry (a creator, a point of contact): never the username;
        empty until the user gives one."""
        return (self.display_name or self.get_full_name()).strip()


class Community(models.Model):
    """A thematic community whose moderators review the deposits addressed to it."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=40)
    description = models.TextField(_("description"), blank=True)
    contact_email = models.EmailField(
        _("contact address"),
        blank=True,
        help_text=_(
            "Published as the point of contact's address of the records whose depositor did not "
            "publish one of their own. Empty: the repository's address (OAI_ADMIN_EMAIL)."
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("communities")
        permissions = [("moderate_community", _("Can moderate the deposits of this community"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})"

    @property
    def public_contact_email(self) -> str:
        return self.contact_email or settings.OAI_ADMIN_EMAIL


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A bearer token for the REST API. Only a hash of the secret is stored; the clear token
    (`estran_<prefix>_<secret>`) is shown once, when it is created."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


# --- SAML federation (eduGAIN / Renater): identity providers imported from signed metadata -----


class FederationImport(models.Model):
    """One run of the federation metadata import, kept as an audit trail: what was loaded, when,
    and why a refused aggregate was refused (the previous set of IdPs then stays in force)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    federation = models.CharField(_("federation"), max_length=300)
    source = models.CharField(_("source"), max_length=1000)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RUNNING)
    reason = models.TextField(_("reason"), blank=True)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deactivated = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("federation import")

    def __str__(self) -> str:
        return f"{self.federation} {self.started_at:%Y-%m-%d %H:%M} ({self.status})"


class IdentityProviderQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class IdentityProvider(models.Model):
    """A SAML identity provider (an institution) that users may sign in with. Rows come from a
    federation's signed metadata aggregate; the signing certificates are the trust anchors of the
    responses it sends. `slug` names it in URLs and, as `saml-<slug>`, in social accounts."""

    entity_id = models.CharField(_("entity ID"), max_length=1024, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    federation = models.CharField(_("federation"), max_length=300, blank=True, db_index=True)
    name_en = models.CharField(_("name (English)"), max_length=300)
    name_fr = models.CharField(_("name (French)"), max_length=300, blank=True)
    logo_url = models.URLField(_("logo"), max_length=1000, blank=True)
    # [{"value": "univ-rennes.fr", "regexp": false}, …] from shibmd:Scope.
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    sso_url = models.URLField(_("single sign-on URL (HTTP-Redirect)"), max_length=1000)
    # Base64 DER of every signing certificate (two during a key rollover).
    signing_certificates = models.JSONField(_("signing certificates"), default=list)
    hide_from_discovery = models.BooleanField(_("hidden from discovery"), default=False)
    active = models.BooleanField(_("active"), default=True)
    last_import = models.ForeignKey(
        FederationImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = IdentityProviderQuerySet.as_manager()

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("identity provider")

    def __str__(self) -> str:
        return self.name_en or self.entity_id

    def display_name(self, language: str | None = None) -> str:
        language = (language or get_language() or "en")[:2]
        if language == "fr" and self.name_fr:
            return self.name_fr
        return self.name_en or self.name_fr or self.entity_id

    @property
    def provider_id(self) -> str:
        """The `SocialAccount.provider` of the accounts this IdP signs in."""
        return f"saml-{self.slug}"


class IdentityProviderKeyword(models.Model):
    """Search terms of an IdP for the discovery page (words of its names, its scopes and domains),
    lowercase and without accents: a prefix match on an indexed column, so that type-ahead over
    thousands of IdPs is one bounded query on every database."""

    identity_provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="keywords")
    term = models.CharField(max_length=100, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identity_provider", "term"], name="idp_keyword_unique"),
        ]

    def __str__(self) -> str:
        return self.term

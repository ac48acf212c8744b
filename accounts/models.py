"""Users, thematic communities (moderated through guardian object permissions) and API tokens."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
        return self.display_name or self.get_full_name() or self.username


class Community(models.Model):
    """A thematic community whose moderators review the deposits addressed to it."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=40)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("communities")
        permissions = [("moderate_community", _("Can moderate the deposits of this community"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})"


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

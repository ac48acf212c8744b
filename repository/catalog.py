"""This repository as a node of the metadata it publishes: the catalogue that includes every record
(its home page's URL, which is also its `@id`, its name and its re3data DOI) and the organisation
that publishes and provides the records (its name and ROR id), from settings.

The same node everywhere: schema.org's `includedInDataCatalog`, `publisher` and `provider` and the
home page's `DataCatalog`; DataCite's `publisher` with its `publisherIdentifier`; ISO 19115-3's
publisher and metadata contact. A record whose depositor named another publisher keeps it: only the
repository's own nodes get its identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from core.identifiers import normalize_re3data_doi, normalize_ror, ror_checksum_ok


def checked_ror(value: str | None) -> str | None:
    """`REPOSITORY_ROR_ID` (`https://ror.org/02feahw73` or the bare `02feahw73`) as its URL; None when
    unset. A mistyped id would be published in every record: refused with the form it must have.
    (idutils' ROR pattern takes any word character and no check digits, hence Estran's own.)"""
    if not value:
        return None
    ror = normalize_ror(value)
    if not (ror and ror_checksum_ok(ror)):
        raise ImproperlyConfigured(
            f"REPOSITORY_ROR_ID={value!r} is not a ROR id: https://ror.org/02feahw73 or 02feahw73 "
            "(0, six base-32 characters and two check digits that match)."
        )
    return ror


def checked_re3data(value: str | None) -> str | None:
    """`REPOSITORY_RE3DATA_ID` (re3data's DOI of the repository, `10.17616/R31NJMSY`; `doi:` or a
    doi.org URL accepted) as the bare DOI; None when unset. re3data's own `r3d…` id is refused: it is
    not the persistent identifier."""
    if not value:
        return None
    doi = normalize_re3data_doi(value)
    if not doi:
        raise ImproperlyConfigured(
            f"REPOSITORY_RE3DATA_ID={value!r} is not a re3data DOI: 10.17616/R3 followed by its "
            "letters and digits, e.g. 10.17616/R31NJMSY (re3data shows it on the repository's page)."
        )
    return doi


@dataclass(frozen=True)
class Repository:
    name: str  # the catalogue's (SITE_NAME)
    url: str  # its home page, also its @id
    organization: str  # the publishing organisation's (DOI_PUBLISHER, what DataCite is told)
    ror: str | None = None
    re3data: str | None = None

    def publishes(self, publisher: str | None) -> bool:
        """Whether a record's publisher is this repository: none named, or the repository's name."""
        return not publisher or publisher == self.organization


def this_repository() -> Repository:
    """The repository as the settings describe it (checked again: tests and operators may change
    them after start-up)."""
    return Repository(
        name=settings.SITE_NAME,
        url=settings.SITE_URL + "/",
        organization=settings.DOI_PUBLISHER or settings.SITE_NAME,
        ror=checked_ror(settings.REPOSITORY_ROR_ID),
        re3data=checked_re3data(settings.REPOSITORY_RE3DATA_ID),
    )

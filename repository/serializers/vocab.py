"""The identifiers, resolvers and vocabularies the serializers write, each defined once: an ORCID
iD, a licence or an access right must read the same in DataCite, ISO 19115-3, schema.org and the
citations.

Plain strings only (no import from the metadata document), so that any module may use them.
"""

from __future__ import annotations

# Resolvers: where an identifier of each kind is a web address.
DOI_RESOLVER = "https://doi.org/"
HANDLE_RESOLVER = "https://hdl.handle.net/"
ARK_RESOLVER = "https://n2t.net/"
SWH_RESOLVER = "https://archive.softwareheritage.org/"

# People and organisations. DataCite's schemeURI is the bare authority ("https://orcid.org", as in
# DataCite's own examples); an iD's URL is the authority, a slash and the iD.
ORCID_URI = "https://orcid.org/"
ORCID_SCHEME_URI = "https://orcid.org"
ROR_URI = "https://ror.org/"
ROR_SCHEME_URI = "https://ror.org"
ISNI_URI = "https://isni.org/isni/"
GRID_URI = "https://www.grid.ac/institutes/"

# Licences: an SPDX identifier's page is SPDX_URI + id (+ ".html" for the human-readable page).
SPDX_URI = "https://spdx.org/licenses/"

# identifiers.org registry entries, the `propertyID` SOSO gives an identifier's PropertyValue.
DOI_REGISTRY = "https://registry.identifiers.org/registry/doi"
ORCID_REGISTRY = "https://registry.identifiers.org/registry/orcid"
ROR_REGISTRY = "https://registry.identifiers.org/registry/ror"

# Vocabularies of measured variables: a concept of these is a variable (schema.org's
# variableMeasured), whatever the keyword's type. NERC's P01 (parameter usage), P02 (parameter
# discovery) and P07 (CF standard names), and the CF standard-name table a NetCDF file's
# standard_name is suggested from (repository/netcdf.py).
PARAMETER_VOCABULARIES = (
    "http://vocab.nerc.ac.uk/collection/P01/",
    "http://vocab.nerc.ac.uk/collection/P02/",
    "http://vocab.nerc.ac.uk/collection/P07/",
    "https://vocab.nerc.ac.uk/collection/P01/",
    "https://vocab.nerc.ac.uk/collection/P02/",
    "https://vocab.nerc.ac.uk/collection/P07/",
    "https://cfconventions.org/Data/cf-standard-names/",
)

# Access rights: OpenAIRE's info:eu-repo vocabulary (DataCite's guidance uses it) and INSPIRE's
# limitations on public access.
OPEN_ACCESS = "info:eu-repo/semantics/openAccess"
EMBARGOED_ACCESS = "info:eu-repo/semantics/embargoedAccess"
INSPIRE_NO_LIMITATIONS = "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations"


def doi_url(doi: str) -> str:
    return DOI_RESOLVER + doi


def orcid_url(orcid: str) -> str:
    return ORCID_URI + orcid


def identifier_url(identifier: str, identifier_type: str) -> str | None:
    """Where a related identifier resolves (None if it has no resolver)."""
    if identifier_type == "DOI":
        return doi_url(identifier)
    if identifier_type == "URL":
        return identifier
    if identifier_type == "Handle":
        return HANDLE_RESOLVER + identifier
    if identifier_type == "SWHID":
        return SWH_RESOLVER + identifier
    if identifier_type == "ARK":
        return ARK_RESOLVER + (identifier if identifier.startswith("ark:/") else identifier.replace("ark:", "ark:/", 1))
    return None

"""Persistent identifiers: the DOI provider (`local` demo or `datacite`) and its connection."""
from .env import env

DOI_PROVIDER = env("DOI_PROVIDER", default="local")
DOI_PROVIDERS = {
    "local": "repository.pids.local.LocalDOIProvider",
    "datacite": "repository.pids.datacite.DataCiteDOIProvider",
}
# DataCite's test prefix: DOIs under it never resolve at doi.org, which the local provider says.
LOCAL_DOI_PREFIX = "10.5072"
DATACITE_API_URL = env("DATACITE_API_URL", default="https://api.test.datacite.org/")
DATACITE_USERNAME = env("DATACITE_USERNAME", default="")
DATACITE_PASSWORD = env("DATACITE_PASSWORD", default="")
DATACITE_PREFIX = env("DATACITE_PREFIX", default="10.5072")
DATACITE_TIMEOUT = env.float("DATACITE_TIMEOUT", default=15.0)
DOI_PUBLISHER = env("DOI_PUBLISHER", default="Estran")
# Retries of a failing registration: exponential backoff from the base, capped.
DOI_RETRY_BASE_SECONDS = env.int("DOI_RETRY_BASE_SECONDS", default=30)
DOI_RETRY_MAX_SECONDS = env.int("DOI_RETRY_MAX_SECONDS", default=6 * 3600)

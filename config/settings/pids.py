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
# Reconciliation with DataCite (weekly, beat): repair drift through the outbox too, or only report it.
DOI_RECONCILE_FIX = env.bool("DOI_RECONCILE_FIX", default=False)
DOI_RECONCILE_WEEKDAY = env("DOI_RECONCILE_WEEKDAY", default="sun")
DOI_RECONCILE_HOUR = env.int("DOI_RECONCILE_HOUR", default=3)
# Embargoes end at the start of their day (UTC); beat lifts them this many minutes after midnight.
EMBARGO_LIFT_MINUTE = env.int("EMBARGO_LIFT_MINUTE", default=5)

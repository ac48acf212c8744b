"""Settings shared by every environment, read from environment variables (and `.env` if present).

With no environment at all Estran runs on the embedded default: SQLite, local file storage under
`var/`, a file-system Celery broker that needs no server, and the local demo DOI provider.
"""

from repository import limits  # plain numbers: the metadata document's size limits

from .env import BASE_DIR, VAR_DIR, env

SECRET_KEY = env("SECRET_KEY", default="estran-embedded-default-not-for-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env("SITE_NAME", default="Estran")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.saml",
    # ORCID: allauth's provider id, served by accounts.orcid.provider (see config/settings/auth.py).
    "allauth.socialaccount.providers.orcid",
    "guardian",
    "ninja",
    "core",
    "accounts",
    "repository",
    "deposit",
    "moderation",
    "notifications",
    "vocabularies",
    "oai",
    "preservation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # After CSRF and sign-in, so that only their checks come first.
    "core.middleware.RefuseUnstorableInputMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
SITE_ID = 1

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "core.context_processors.site",
                "notifications.context_processors.bell",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'estran.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # Keep connections between requests: opening one costs more than a type-ahead query.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker share the file (README, *How many people the embedded default
    # serves*). WAL lets readers go on while one writer writes; synchronous=NORMAL is durable in WAL
    # but for the last transactions at a power cut. IMMEDIATE takes the write lock when a
    # transaction begins: a deferred one that read first and writes later cannot wait for the lock
    # (SQLite answers "database is locked" at once instead of running the busy timeout), whereas
    # an immediate one waits up to `timeout` seconds for its turn.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "deposit:list"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

# Upload limits (bytes, count); refused up front when a session is opened.
UPLOAD_MAX_FILE_SIZE = env.int("UPLOAD_MAX_FILE_SIZE", default=50 * 10**9)
UPLOAD_MAX_DEPOSIT_SIZE = env.int("UPLOAD_MAX_DEPOSIT_SIZE", default=2**40)  # 1 TB as pages show sizes
UPLOAD_MAX_FILES = env.int("UPLOAD_MAX_FILES", default=10_000)
# A record with more files than this is summarised (count, size, formats) by its exports and has
# its files paged on its page, rather than listed one by one: see README, "Many files".
PUBLISH_FILES_LISTED_MAX = env.int("PUBLISH_FILES_LISTED_MAX", default=100)
UPLOAD_SESSION_TTL_HOURS = env.int("UPLOAD_SESSION_TTL_HOURS", default=24 * 7)
# Parts may be as large as the part size; Django must accept them in one request body.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
# The wizard posts a whole step at once: the people step of the largest deposit the metadata's
# limits allow (2,000 creators, 500 contributors, 10 affiliations each) is some 66,000 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=limits.WIZARD_MAX_FORM_FIELDS)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # bagit.py logs every file of a bag it moves and hashes at INFO (preservation packages: a line a
    # file); the export logs each bag itself.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "bagit": {"level": "WARNING"}},
}

from .auth import *  # noqa: E402
from .broker import *  # noqa: E402
from .cache import *  # noqa: E402
from .csp import *  # noqa: E402
from .email import *  # noqa: E402
from .moderation import *  # noqa: E402
from .notifications import *  # noqa: E402  (after storage: adds to its beat schedule)
from .pids import *  # noqa: E402
from .saml import *  # noqa: E402
from .storage import *  # noqa: E402

# Each integration module names its allauth provider settings; they are gathered here.
SOCIALACCOUNT_PROVIDERS = {
    **globals().get("SOCIALACCOUNT_PROVIDERS", {}),
    "saml": SAML_SOCIALACCOUNT_PROVIDER,
    "orcid": ORCID_SOCIALACCOUNT_PROVIDER,
}

# OAI-PMH (the `oai` app, served at /oai): harvesters' public contract, see the README.
# The repository identifier is the namespace of every OAI identifier (`oai:<it>:<record id>`):
# set it once to the public host name and never change it. The default is SITE_URL's host when
# it is a domain name (the oai-identifier syntax refuses IP addresses and `localhost`).
import re as _re  # noqa: E402
from email.utils import parseaddr as _parseaddr  # noqa: E402
from urllib.parse import urlsplit as _urlsplit  # noqa: E402

_site_host = _urlsplit(SITE_URL).hostname or ""
_OAI_NAMESPACE_RE = r"[a-zA-Z][a-zA-Z0-9\-]*(\.[a-zA-Z][a-zA-Z0-9\-]*)+"
OAI_REPOSITORY_IDENTIFIER = env(
    "OAI_REPOSITORY_IDENTIFIER",
    default=_site_host if _re.fullmatch(_OAI_NAMESPACE_RE, _site_host) else "estran.localhost",
)
OAI_REPOSITORY_NAME = env("OAI_REPOSITORY_NAME", default=SITE_NAME)
OAI_ADMIN_EMAIL = env("OAI_ADMIN_EMAIL", default=_parseaddr(DEFAULT_FROM_EMAIL)[1])
OAI_PAGE_SIZE = env.int("OAI_PAGE_SIZE", default=100)
OAI_TOKEN_TTL_SECONDS = env.int("OAI_TOKEN_TTL_SECONDS", default=24 * 3600)

# The repository as a node of its metadata (repository/catalog.py; README, *The repository in the
# metadata*): the ROR id of the organisation publishing the records and re3data's DOI of the
# repository, each published only when set. Checked here, at start-up: a mistyped id would go into
# every record's metadata.
from repository import catalog as _catalog  # noqa: E402

REPOSITORY_ROR_ID = _catalog.checked_ror(env("REPOSITORY_ROR_ID", default="")) or ""
REPOSITORY_RE3DATA_ID = _catalog.checked_re3data(env("REPOSITORY_RE3DATA_ID", default="")) or ""

# Landing pages and usage counts (repository/landing.py, repository/usage.py; README, *Landing pages*).
# PostgreSQL's work_mem for a search's statement (README, *Search at scale*): its bitmap of the
# records the words find stays exact, not lossy (which rechecks every record of a lossy page against
# its tsvector), and its base set in memory, not in a temporary file.
SEARCH_WORK_MEM = env("SEARCH_WORK_MEM", default="32MB")
LANDING_CACHE_SECONDS = env.int("LANDING_CACHE_SECONDS", default=24 * 3600)
USAGE_FLUSH_SECONDS = env.int("USAGE_FLUSH_SECONDS", default=10)

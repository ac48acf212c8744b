"""The operator's docker/ setup, checked without a Docker engine: hadolint on the Dockerfile, the
Compose Specification schema on compose.yaml, and what the files must say to each other and to the
settings (the environment-variable contract of DESIGN.md). No database: these never use `db`."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

# ruamel.yaml comes with check-jsonschema (a pinned dev dependency, needed here anyway); PyYAML
# is not installed in this project.
from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
DOCKERFILE = DOCKER / "Dockerfile"
COMPOSE = DOCKER / "compose.yaml"
ENV_EXAMPLE = DOCKER / ".env.example"
ENTRYPOINT = DOCKER / "entrypoint.sh"
HADOLINT_CONFIG = DOCKER / ".hadolint.yaml"
DOCKERIGNORE = ROOT / ".dockerignore"
SETTINGS_DIR = ROOT / "config" / "settings"
DESIGN = ROOT.parent / "shared" / "DESIGN.md"
VENV_BIN = str(Path(sys.executable).parent)

# DESIGN.md, "Contracts that others rely on": the settings every deployment configures by
# environment (SAML_* is a family whose names the SAML issue chooses; it travels by env_file).
CONTRACT = [
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "STORAGE_BACKEND",
    "S3_ENDPOINT_URL",
    "S3_BUCKET",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_REGION",
    "DOI_PROVIDER",
    "DATACITE_API_URL",
    "DATACITE_USERNAME",
    "DATACITE_PASSWORD",
    "DATACITE_PREFIX",
    "ORCID_BASE_URL",
    "ORCID_CLIENT_ID",
    "ORCID_CLIENT_SECRET",
    "EMAIL_URL",
]
# Decision (docker/README.md, compose.yaml's header): these reach the containers through
# `env_file` only, so that when the operator leaves them unset they stay unset and the settings'
# own defaults apply. Listing them under `environment` would force a value: an empty EMAIL_URL
# makes django-environ fail ("Invalid email schema"), and the ORCID settings do not exist yet.
ENV_FILE_ONLY = {"ORCID_BASE_URL", "ORCID_CLIENT_ID", "ORCID_CLIENT_SECRET", "EMAIL_URL"}
# Settings a later issue adds (ORCID sign-in): documented in .env.example before config/settings
# reads them. Remove a name from here once the settings read it.
ADDED_BY_LATER_ISSUE = {"ORCID_BASE_URL", "ORCID_CLIENT_ID", "ORCID_CLIENT_SECRET"}
# Read by the postgres/minio containers or by docker/entrypoint.sh, never by Estran's settings.
CONTAINER_ONLY = {"POSTGRES_PASSWORD", "MINIO_ROOT_USER", "MINIO_ROOT_PASSWORD", "ESTRAN_MIGRATE"}
# Secrets: compose must refuse to start without them, never fall back to a default.
REQUIRED_SECRETS = {
    "SECRET_KEY",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "POSTGRES_PASSWORD",
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
}
APP_SERVICES = ("web", "worker", "beat")
SERVICES = (*APP_SERVICES, "postgres", "redis", "minio", "createbucket")


def _tool(name: str) -> str:
    path = shutil.which(name, path=VENV_BIN)
    assert path, f"{name} is not installed in {VENV_BIN} (dev dependency group of pyproject.toml)"
    return path


def _load_yaml(path: Path):
    return YAML(typ="safe", pure=True).load(path.read_text())


# --- Dockerfile parsing -----------------------------------------------------------------------


def _instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    result, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1].rstrip() + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, args = full.partition(" ")
        result.append((keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return result


def _stages(text: str) -> list[list[tuple[str, str]]]:
    stages: list[list[tuple[str, str]]] = []
    for keyword, args in _instructions(text):
        if keyword == "FROM":
            stages.append([])
        assert stages, f"{keyword} before the first FROM"
        stages[-1].append((keyword, args))
    return stages


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return DOCKERFILE.read_text()


@pytest.fixture(scope="module")
def final_stage(dockerfile) -> list[tuple[str, str]]:
    return _stages(dockerfile)[-1]


# --- Compose interpolation (the subset of the Compose Specification this file uses) ---------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class MissingVariable(Exception):
    pass


def _closing_brace(text: str, start: int) -> int:
    depth, i = 0, start
    while i < len(text):
        if text.startswith("${", i):
            depth, i = depth + 1, i + 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unclosed ${{ in {text!r}")


def _expand(expr: str, env: dict[str, str]) -> str:
    match = _NAME.match(expr)
    assert match, f"bad variable expression ${{{expr}}}"
    name, rest = match.group(), expr[match.end() :]
    value = env.get(name)
    if not rest:
        return value or ""
    for op in (":-", ":?", ":+", "-", "?", "+"):
        if rest.startswith(op):
            arg = rest[len(op) :]
            missing = value is None or (op.startswith(":") and value == "")
            if op in (":-", "-"):
                return interpolate(arg, env) if missing else value
            if op in (":?", "?"):
                if missing:
                    raise MissingVariable(f"{name}: {interpolate(arg, env)}")
                return value
            return "" if missing else interpolate(arg, env)
    raise ValueError(f"unsupported interpolation ${{{expr}}}")


def interpolate(text: str, env: dict[str, str]) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] != "$":
            out.append(text[i])
            i += 1
        elif text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("${", i):
            end = _closing_brace(text, i)
            out.append(_expand(text[i + 2 : end], env))
            i = end + 1
        elif match := _NAME.match(text, i + 1):
            out.append(env.get(match.group(), ""))
            i = match.end()
        else:
            out.append("$")
            i += 1
    return "".join(out)


def _interpolate_tree(node, env):
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [_interpolate_tree(item, env) for item in node]
    if isinstance(node, dict):
        return {key: _interpolate_tree(value, env) for key, value in node.items()}
    return node


def _referenced_variables(text: str) -> set[str]:
    text = text.replace("$$", "")
    return set(re.findall(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)", text))


# --- .env.example -------------------------------------------------------------------------

_ASSIGNMENT = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def _env_example() -> tuple[dict[str, str], set[str]]:
    """(active assignments, commented-out optional names) of docker/.env.example."""
    active, optional = {}, set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = _ASSIGNMENT.match(line.strip())
        if not match:
            continue
        commented, name, value = match.groups()
        if commented:
            optional.add(name)
        else:
            assert name not in active, f"{name} is assigned twice in .env.example"
            active[name] = value
    return active, optional


def _sample_dotenv() -> dict[str, str]:
    """docker/.env as an operator fills it from the example: required values set, rest as is."""
    active, _ = _env_example()
    filled = {
        "SECRET_KEY": "x" * 50,
        "S3_ACCESS_KEY_ID": "estran-app",
        "S3_SECRET_ACCESS_KEY": "s3secret0123456789",
        "POSTGRES_PASSWORD": "pgpassword0123",
        "MINIO_ROOT_USER": "minio-admin",
        "MINIO_ROOT_PASSWORD": "minioroot0123456789",
    }
    return {name: filled.get(name, value) for name, value in active.items()}


@pytest.fixture(scope="module")
def compose() -> dict:
    return _load_yaml(COMPOSE)


@pytest.fixture(scope="module")
def resolved(compose) -> dict:
    """compose.yaml as `docker compose --env-file docker/.env config` would interpolate it."""
    return _interpolate_tree(compose, _sample_dotenv())


def _container_env(resolved: dict, service: str) -> dict[str, str]:
    """What a service's container receives: env_file (docker/.env) overlaid by `environment`."""
    spec = resolved["services"][service]
    env = {}
    if spec.get("env_file"):
        env.update(_sample_dotenv())
    environment = spec.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    env.update({key: "" if value is None else str(value) for key, value in environment.items()})
    return env


def _settings_names() -> set[str]:
    names = set()
    pattern = re.compile(r"""\benv(?:\.[a-z_]+)?\(\s*["']([A-Z][A-Z0-9_]*)["']""")
    for module in SETTINGS_DIR.glob("*.py"):
        names.update(pattern.findall(module.read_text()))
    return names


# === (a) hadolint ============================================================================


def test_hadolint_finds_no_warning_or_error_in_the_dockerfile():
    # --disable-ignore-pragma: rules may be ignored only in docker/.hadolint.yaml, with a reason.
    result = subprocess.run(
        [
            _tool("hadolint"),
            "--config",
            str(HADOLINT_CONFIG),
            "--disable-ignore-pragma",
            "--failure-threshold",
            "warning",
            "--format",
            "json",
            str(DOCKERFILE),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    findings = json.loads(result.stdout or "[]")
    serious = [f for f in findings if f["level"] in ("error", "warning")]
    assert serious == [], serious
    assert result.returncode == 0, result.stderr


def test_hadolint_still_reports_problems_with_this_configuration(tmp_path):
    # A control: the same configuration must not silence hadolint on a bad Dockerfile.
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN apt-get install -y curl\nUSER root\n")
    result = subprocess.run(
        [_tool("hadolint"), "--config", str(HADOLINT_CONFIG), "--format", "json", str(bad)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    codes = {f["code"] for f in json.loads(result.stdout)}
    assert result.returncode != 0
    assert {"DL3007", "DL3002"} <= codes, codes


def test_hadolint_ignores_only_listed_rules_each_with_its_reason():
    config = _load_yaml(HADOLINT_CONFIG)
    ignored = config.get("ignored") or []
    # Adding an ignore means adding it here too, after reading its comment.
    assert set(ignored) <= {"DL3008"}, ignored
    assert config.get("failure-threshold") == "warning"
    lines = HADOLINT_CONFIG.read_text().splitlines()
    for rule in ignored:
        index = next(i for i, line in enumerate(lines) if line.strip() == f"- {rule}")
        reason = []
        for line in reversed(lines[:index]):
            if not line.strip().startswith("#"):
                break
            reason.append(line)
        assert len(" ".join(reason)) > 60, f"{rule} is ignored without a comment saying why"


# === (b) the Compose Specification schema ====================================================


def _check_jsonschema(path: Path) -> subprocess.CompletedProcess:
    # The schema is vendored in check-jsonschema: no download. Proxies that lead nowhere make any
    # attempt to reach the network fail, so a pass proves the check runs offline.
    offline = {
        **os.environ,
        "HTTP_PROXY": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
        "http_proxy": "http://127.0.0.1:9",
        "https_proxy": "http://127.0.0.1:9",
        "NO_PROXY": "",
    }
    return subprocess.run(
        [_tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=offline,
    )


def test_compose_file_validates_against_the_compose_specification():
    result = _check_jsonschema(COMPOSE)
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_schema_check_rejects_a_broken_file(tmp_path):
    broken = tmp_path / "compose.yaml"
    broken.write_text(COMPOSE.read_text() + "\nnot_a_compose_key: true\n")
    result = _check_jsonschema(broken)
    assert result.returncode != 0
    assert "not_a_compose_key" in result.stdout + result.stderr


# === (c) what the files promise each other ===================================================


def test_every_service_is_defined(compose):
    assert set(SERVICES) <= set(compose["services"]), sorted(compose["services"])


def test_web_worker_and_beat_run_one_image_built_from_the_dockerfile(compose):
    services = compose["services"]
    builds = [services[name].get("build") for name in APP_SERVICES]
    images = [services[name].get("image") for name in APP_SERVICES]
    assert builds[0] == {"context": "..", "dockerfile": "docker/Dockerfile"}
    assert builds.count(builds[0]) == 3, builds
    assert images[0] and images.count(images[0]) == 3, images
    context = (COMPOSE.parent / builds[0]["context"]).resolve()
    assert context == ROOT
    assert (context / builds[0]["dockerfile"]).resolve() == DOCKERFILE.resolve()


def test_app_services_run_gunicorn_celery_worker_and_beat(resolved):
    services = resolved["services"]
    web = services["web"]["command"]
    assert web[:2] == ["gunicorn", "config.wsgi:application"]
    # gthread: a long response ("download all" of a few GB) outlives the timeout, which kills a sync
    # worker in the middle of it; see tests/repository/test_download_all_large.py.
    assert " ".join(web[2:]) == "--bind 0.0.0.0:8000 --workers 3 --worker-class gthread --threads 4 --timeout 120"
    assert services["worker"]["command"][:5] == ["celery", "-A", "config", "worker", "-l"]
    beat = services["beat"]["command"]
    assert beat[:5] == ["celery", "-A", "config", "beat", "-l"]
    # /app is read-only for the app user: beat's schedule must go to the writable volume.
    schedule = beat[beat.index("--schedule") + 1]
    assert any(schedule.startswith(v.split(":")[1] + "/") for v in services["beat"]["volumes"])


def test_contract_variables_reach_web_worker_and_beat(compose):
    explicit = [name for name in CONTRACT if name not in ENV_FILE_ONLY]
    for service in APP_SERVICES:
        spec = compose["services"][service]
        environment = spec["environment"]
        assert isinstance(environment, dict)
        missing = [name for name in explicit if name not in environment]
        assert missing == [], f"{service} does not receive {missing}"
        # The rest travels by env_file (docker/.env, optional), and is not forced to a value.
        assert spec["env_file"] == [{"path": ".env", "required": False}], spec["env_file"]
        assert not ENV_FILE_ONLY & set(environment), ENV_FILE_ONLY & set(environment)
    _, optional = _env_example()
    assert optional >= ENV_FILE_ONLY, "env_file-only settings must be documented in .env.example"


def test_compose_configures_s3_storage_and_the_bundled_services(resolved):
    env = _container_env(resolved, "web")
    assert env["STORAGE_BACKEND"] == "s3"
    database = urlsplit(env["DATABASE_URL"])
    postgres = resolved["services"]["postgres"]["environment"]
    assert (database.scheme, database.hostname, database.port) == ("postgres", "postgres", 5432)
    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"] == _sample_dotenv()["POSTGRES_PASSWORD"]
    assert database.path == "/" + postgres["POSTGRES_DB"]
    assert urlsplit(env["CELERY_BROKER_URL"]).hostname == "redis"
    minio = resolved["services"]["minio"]
    minio_names = {"minio", *minio["networks"]["default"]["aliases"]}
    endpoint = urlsplit(env["S3_ENDPOINT_URL"])
    assert endpoint.hostname in minio_names and endpoint.port == 9000
    # Browsers use the same endpoint (presigned URLs): the API port is published.
    assert any(str(port).endswith(":9000:9000") for port in minio["ports"])
    bucket = resolved["services"]["createbucket"]["environment"]
    for name in ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
        assert bucket[name] == env[name], name
    assert minio["command"] == ["server", "/data", "--console-address", ":9001"]
    assert resolved["services"]["postgres"]["image"] == "postgres:16"
    assert resolved["services"]["redis"]["image"] == "redis:7"


def test_app_services_wait_for_healthy_dependencies(compose):
    services = compose["services"]
    for service in APP_SERVICES:
        depends = services[service]["depends_on"]
        for dependency in ("postgres", "redis", "minio"):
            assert depends[dependency] == {"condition": "service_healthy"}, (service, dependency)
        assert depends["createbucket"] == {"condition": "service_completed_successfully"}
    assert services["createbucket"]["depends_on"]["minio"] == {"condition": "service_healthy"}
    for name, spec in services.items():
        for dependency, rule in (spec.get("depends_on") or {}).items():
            if rule.get("condition") == "service_healthy":
                check = services[dependency].get("healthcheck") or {}
                image_check = dependency in APP_SERVICES  # the Dockerfile's HEALTHCHECK
                assert image_check or check.get("test"), f"{dependency} has no health check"
                assert not check.get("disable"), f"{name} waits on {dependency}, whose check is off"


def test_bundled_services_have_the_expected_health_checks_and_volumes(compose):
    services = compose["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    assert services["minio"]["healthcheck"]["test"] == ["CMD", "mc", "ready", "local"]
    for service, target in (("postgres", "/var/lib/postgresql/data"), ("redis", "/data"), ("minio", "/data")):
        volume = next(v for v in services[service]["volumes"] if v.endswith(":" + target))
        assert volume.split(":")[0] in compose["volumes"], volume  # a named volume
    # worker's check must not be the image's (which asks a web server the worker does not run)
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert services["beat"]["healthcheck"] == {"disable": True}


def test_secrets_are_required_and_never_defaulted():
    text = COMPOSE.read_text()
    for name in REQUIRED_SECRETS:
        assert re.search(r"\$\{" + name + r":\?", text), f"{name} is not required with :?"
        assert not re.search(r"\$\{" + name + r":?[-+]", text), f"{name} has a default"
    assert "${SECRET_KEY:?" in text
    dotenv = _sample_dotenv()
    for name in REQUIRED_SECRETS:
        env = {k: v for k, v in dotenv.items() if k != name}
        with pytest.raises(MissingVariable, match=name):
            _interpolate_tree(_load_yaml(COMPOSE), env)


def test_every_interpolated_variable_is_documented_in_env_example():
    active, optional = _env_example()
    referenced = _referenced_variables(COMPOSE.read_text())
    assert referenced, "compose.yaml interpolates nothing?"
    assert referenced <= set(active) | optional, referenced - set(active) - optional
    # Required values (uncommented and empty in the example) are exactly the `:?` ones.
    required = {name for name, value in active.items() if value == ""}
    assert required == REQUIRED_SECRETS, required ^ REQUIRED_SECRETS


def test_production_settings_load_with_the_compose_environment(resolved, tmp_path):
    """The web container's environment, given to config.settings.production."""
    env = _container_env(resolved, "web")
    env.update(PATH=os.environ.get("PATH", ""), HOME=str(tmp_path), DJANGO_SETTINGS_MODULE="config.settings.production")
    probe = (
        "import json; from django.conf import settings as s; db = s.DATABASES['default']; "
        "print(json.dumps({'engine': db['ENGINE'], 'host': db['HOST'], 'name': db['NAME'], "
        "'debug': s.DEBUG, 'broker': s.CELERY_BROKER_URL, 'storage': s.STORAGE_BACKEND, "
        "'endpoint': s.S3_ENDPOINT_URL, 'bucket': s.S3_BUCKET, 'doi': s.DOI_PROVIDER, "
        "'mail': s.EMAIL_BACKEND, 'hosts': s.ALLOWED_HOSTS, 'site': s.SITE_URL}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert (loaded["host"], loaded["name"]) == ("postgres", "estran")
    assert loaded["debug"] is False
    assert loaded["broker"] == env["CELERY_BROKER_URL"]
    assert (loaded["storage"], loaded["endpoint"], loaded["bucket"]) == ("s3", env["S3_ENDPOINT_URL"], env["S3_BUCKET"])
    assert loaded["doi"] == "local"
    if not (ROOT / ".env").exists():  # a developer's .env would be read too (not in the image)
        assert loaded["mail"] == "django.core.mail.backends.console.EmailBackend"  # EMAIL_URL unset
    assert loaded["hosts"] == env["ALLOWED_HOSTS"].split(",")
    assert loaded["site"] == env["SITE_URL"]


def test_dockerfile_builds_in_two_stages_from_one_pinned_python_slim_tag(dockerfile):
    stages = _stages(dockerfile)
    assert len(stages) >= 2
    bases = [args.split()[0] for (_, args), *_ in stages]
    assert len(set(bases)) == 1, bases  # the venv's interpreter path must exist in both
    image, _, tag = bases[0].partition(":")
    assert image == "python" and tag.startswith("3.11-slim") and tag != "latest", bases[0]
    builder = stages[0]
    run = " ".join(args for keyword, args in builder if keyword == "RUN")
    assert "pip install --no-cache-dir uv==0.13.8" in run
    assert "uv sync --locked --no-dev" in run
    copies = [args for keyword, args in builder if keyword == "COPY"]
    assert copies[0].split() == ["pyproject.toml", "uv.lock", "./"], copies
    assert copies[-1].split() == [".", "."], copies
    envs = " ".join(args for keyword, args in builder if keyword == "ENV")
    assert "UV_PROJECT_ENVIRONMENT=/app/.venv" in envs


def test_dockerfile_runtime_stage_is_non_root_with_port_healthcheck_and_settings(final_stage):
    keywords = [keyword for keyword, _ in final_stage]
    users = [args for keyword, args in final_stage if keyword == "USER"]
    assert users, "the final stage has no USER: it would run as root"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), users[-1]
    runs = " ".join(args for keyword, args in final_stage if keyword == "RUN")
    assert re.search(r"useradd .*--uid 10001 .*\bestran\b", runs), runs
    assert user in ("estran", "10001"), user
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN"), (
        "a RUN after USER would run as the app user; the image setup must happen before"
    )
    exposed = " ".join(args for keyword, args in final_stage if keyword == "EXPOSE").split()
    assert "8000" in exposed or "8000/tcp" in exposed, exposed
    healthchecks = [args for keyword, args in final_stage if keyword == "HEALTHCHECK"]
    assert len(healthchecks) == 1 and "CMD" in healthchecks[0]
    assert "python" in healthchecks[0] and "http://127.0.0.1:8000/healthz" in healthchecks[0]
    envs = " ".join(args for keyword, args in final_stage if keyword == "ENV")
    assert "DJANGO_SETTINGS_MODULE=config.settings.production" in envs
    assert re.search(r'PATH="?/app/\.venv/bin:', envs), envs
    assert re.search(r"apt-get install -y --no-install-recommends (\S+ )*xmlsec1", runs)
    assert re.search(r"--no-install-recommends .*\blibpq5\b", runs)
    assert "rm -rf /var/lib/apt/lists/*" in runs
    assert any(k == "COPY" and "--from=builder" in a for k, a in final_stage)
    cmd = json.loads(next(args for keyword, args in final_stage if keyword == "CMD"))
    assert cmd == [
        "gunicorn",
        "config.wsgi:application",
        "--bind",
        "0.0.0.0:8000",
        "--workers",
        "3",
        "--worker-class",
        "gthread",
        "--threads",
        "4",
        "--timeout",
        "120",
    ]


def test_dockerfile_keeps_the_throwaway_secret_key_inside_the_collectstatic_run(dockerfile):
    instructions = _instructions(dockerfile)
    for keyword, args in instructions:
        if keyword in ("ENV", "ARG", "LABEL"):
            assert "SECRET" not in args, f"{keyword} {args}"
    runs = [args for keyword, args in instructions if keyword == "RUN" and "SECRET_KEY" in args]
    assert len(runs) == 1 and re.match(r"SECRET_KEY=\S+ python manage.py collectstatic --noinput", runs[0]), runs
    # Settings may create var/ folders as root while collecting: var/ is remade for the app user
    # afterwards (the only writable folder under /app).
    assert re.search(
        r"collectstatic .*&& rm -rf /app/var && install -d -o estran -g estran "
        r"\S+ \S+ /app/var",
        runs[0],
    ), runs[0]


def test_dockerfile_collectstatic_step_works_with_only_the_throwaway_key(dockerfile, tmp_path):
    run = next(args for keyword, args in _instructions(dockerfile) if keyword == "RUN" and "collectstatic" in args)
    key = re.match(r"SECRET_KEY=(\S+) ", run).group(1)
    # As in `docker build`: no configuration but the image's ENV and the RUN's own SECRET_KEY.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "SECRET_KEY": key,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "STATIC_ROOT": str(tmp_path / "staticfiles"),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "staticfiles" / "admin").is_dir()


# --- the HEALTHCHECK command, run against a local server ------------------------------------


class _Health(BaseHTTPRequestHandler):
    status = 200
    seen: list[dict] = []

    def do_GET(self):
        type(self).seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        self.send_response(type(self).status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "ok"}')

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    _Health.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _healthcheck_command(final_stage, port: int) -> list[str]:
    args = next(args for keyword, args in final_stage if keyword == "HEALTHCHECK")
    exec_form = json.loads(args[args.index("CMD") + 3 :].strip())
    return [part.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for part in exec_form]


@pytest.mark.parametrize(
    ("allowed_hosts", "host"),
    [
        ("estran.example.org,localhost", "estran.example.org"),
        (".example.org", "example.org"),
        ("*", "localhost"),
        (None, "localhost"),
    ],
)
def test_healthcheck_asks_healthz_as_an_allowed_host(final_stage, health_server, allowed_hosts, host):
    _Health.status = 200
    command = _healthcheck_command(final_stage, health_server.server_address[1])
    assert command[0] == "python"
    env = {"PATH": os.environ.get("PATH", "")}
    if allowed_hosts is not None:
        env["ALLOWED_HOSTS"] = allowed_hosts
    command[0] = sys.executable
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    (request,) = _Health.seen
    assert request["path"] == "/healthz"
    assert request["host"] == host
    assert request["x-forwarded-proto"] == "https"  # no redirect under SECURE_SSL_REDIRECT


def test_healthcheck_fails_when_healthz_reports_a_service_down(final_stage, health_server):
    _Health.status = 503
    command = _healthcheck_command(final_stage, health_server.server_address[1])
    command[0] = sys.executable
    result = subprocess.run(
        command, env={"PATH": os.environ.get("PATH", "")}, capture_output=True, text=True, timeout=30
    )
    assert result.returncode != 0


# --- the entrypoint ----------------------------------------------------------------------


@pytest.fixture
def fake_bin(tmp_path):
    """`python`, `gunicorn` and `celery` that only log how they were called."""
    log = tmp_path / "calls.log"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("python", "gunicorn", "celery"):
        script = bin_dir / name
        script.write_text(
            f'#!/bin/sh\necho "{name} $*" >> "{log}"\n'
            f'[ "{name} $*" = "python manage.py migrate --noinput" ] '
            f'&& exit "${{FAKE_MIGRATE_STATUS:-0}}"\nexit 0\n'
        )
        script.chmod(0o755)
    return bin_dir, log


def _entrypoint(fake_bin, *args, **env):
    bin_dir, log = fake_bin
    result = subprocess.run(
        ["sh", str(ENTRYPOINT), *args],
        env={"PATH": f"{bin_dir}:/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=30,
    )
    calls = log.read_text().splitlines() if log.exists() else []
    return result, calls


def test_entrypoint_is_valid_executable_sh():
    assert os.access(ENTRYPOINT, os.X_OK)
    assert ENTRYPOINT.read_text().startswith("#!/bin/sh\n")
    assert subprocess.run(["sh", "-n", str(ENTRYPOINT)]).returncode == 0


def test_entrypoint_migrates_before_gunicorn(fake_bin):
    result, calls = _entrypoint(fake_bin, "gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000")
    assert result.returncode == 0, result.stderr
    assert calls == ["python manage.py migrate --noinput", "gunicorn config.wsgi:application --bind 0.0.0.0:8000"]


def test_entrypoint_does_not_migrate_for_worker_beat_or_other_commands(fake_bin):
    for command in (
        ["celery", "-A", "config", "worker", "-l", "info"],
        ["celery", "-A", "config", "beat", "-l", "info"],
        ["python", "manage.py", "estran_createuser", "--username", "a"],
    ):
        log = fake_bin[1]
        log.unlink(missing_ok=True)
        result, calls = _entrypoint(fake_bin, *command)
        assert result.returncode == 0, result.stderr
        assert calls == [" ".join(command)], calls


def test_entrypoint_does_not_start_gunicorn_when_migrations_fail(fake_bin):
    result, calls = _entrypoint(fake_bin, "gunicorn", "config.wsgi:application", FAKE_MIGRATE_STATUS="3")
    assert result.returncode == 3
    assert calls == ["python manage.py migrate --noinput"]


def test_entrypoint_skips_migrations_when_told(fake_bin):
    result, calls = _entrypoint(fake_bin, "gunicorn", "config.wsgi:application", ESTRAN_MIGRATE="0")
    assert result.returncode == 0
    assert calls == ["gunicorn config.wsgi:application"]


def test_image_and_compose_use_the_entrypoint(final_stage, compose):
    entrypoint = json.loads(next(a for k, a in final_stage if k == "ENTRYPOINT"))
    assert entrypoint == ["/app/docker/entrypoint.sh"]
    for service in APP_SERVICES:
        assert "entrypoint" not in compose["services"][service]  # keeps the image's


def test_createbucket_script_is_valid_sh_and_creates_the_configured_bucket(resolved):
    spec = resolved["services"]["createbucket"]
    assert spec["entrypoint"] == ["/bin/sh", "-c"]
    # After interpolation `$$VAR` is `$VAR`, expanded by the container's shell.
    script = spec["command"][0]
    assert subprocess.run(["sh", "-n", "-c", script]).returncode == 0
    assert 'mc mb --ignore-existing "estran/$S3_BUCKET"' in script
    assert spec["restart"] == "no"


# === (d) .env.example names only what the settings read =====================================


def test_env_example_lists_only_variables_the_settings_read():
    active, optional = _env_example()
    listed = set(active) | optional
    read = _settings_names()
    assert {"DATABASE_URL", "SECRET_KEY", "EMAIL_URL"} <= read, "settings parsing found nothing?"
    unknown = listed - read - ADDED_BY_LATER_ISSUE - CONTAINER_ONLY
    assert unknown == set(), f".env.example lists variables no setting reads: {sorted(unknown)}"
    # The exceptions must still be true: later-issue names not yet read, container-only used.
    assert listed >= ADDED_BY_LATER_ISSUE
    compose_and_entrypoint = COMPOSE.read_text() + ENTRYPOINT.read_text()
    for name in CONTAINER_ONLY:
        assert name in listed and name in compose_and_entrypoint, name
        assert name not in read, f"{name} is read by the settings now: move it out of CONTAINER_ONLY"


def test_env_example_documents_every_contract_variable_with_a_comment():
    active, optional = _env_example()
    lines = ENV_EXAMPLE.read_text().splitlines()
    for name in CONTRACT:
        assert name in active or name in optional, f"{name} missing from .env.example"
        index = next(i for i, line in enumerate(lines) if re.match(rf"^#?\s*{name}=", line))
        # The nearest line above that is not another assignment of the same group explains it.
        above = index - 1
        while above >= 0 and _ASSIGNMENT.match(lines[above].strip()):
            above -= 1
        comment = lines[above].strip() if above >= 0 else ""
        assert comment.startswith("#") and len(comment) > 10, f"{name} has no comment above it"


def test_compose_environment_names_are_read_by_the_settings(compose):
    read = _settings_names()
    for service in APP_SERVICES:
        names = set(compose["services"][service]["environment"])
        assert names <= read, f"{service} sets variables no setting reads: {names - read}"


def test_contract_list_matches_design_md():
    if not DESIGN.exists():
        pytest.skip(f"{DESIGN} is not beside the repository")
    text = DESIGN.read_text()
    start = text.index("Settings come from environment variables")
    paragraph = text[start : text.index("\n- ", start)]
    names = re.findall(r"`([A-Z][A-Z0-9_]*\*?)`", paragraph)
    assert [n for n in names if not n.endswith("*")] == CONTRACT
    assert [n for n in names if n.endswith("*")] == ["SAML_*"]


# --- .dockerignore ---------------------------------------------------------------------------


def _dockerignore_regexes() -> list[tuple[bool, re.Pattern]]:
    rules = []
    for line in DOCKERIGNORE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line.lstrip("!").strip("/")
        regex = ""
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                regex, i = regex + "(?:.*/)?", i + 3
            elif pattern.startswith("**", i):
                regex, i = regex + ".*", i + 2
            elif pattern[i] == "*":
                regex, i = regex + "[^/]*", i + 1
            elif pattern[i] == "?":
                regex, i = regex + "[^/]", i + 1
            elif pattern[i] == "[":
                end = pattern.index("]", i)
                regex, i = regex + pattern[i : end + 1], end + 1
            else:
                regex, i = regex + re.escape(pattern[i]), i + 1
        rules.append((negate, re.compile(regex + r"(?:/.*)?\Z")))  # a match excludes a folder's content
    return rules


def _ignored(path: str, rules) -> bool:
    ignored = False
    for negate, regex in rules:
        if regex.match(path):
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        ".venv/bin/python",
        ".tools/bin/uv",
        "var/estran.sqlite3",
        ".git/HEAD",
        "config/__pycache__/urls.cpython-311.pyc",
        "__pycache__/x.pyc",
        "staticfiles/admin/x.css",
        ".env",
        "docker/.env",
        ".pytest_cache/v/x",
        "test-results/trace.zip",
    ],
)
def test_dockerignore_keeps_local_state_and_secrets_out_of_the_build_context(path):
    assert _ignored(path, _dockerignore_regexes()), path


def test_dockerignore_keeps_what_the_dockerfile_copies():
    rules = _dockerignore_regexes()
    needed = [
        "pyproject.toml",
        "uv.lock",
        "manage.py",
        "docker/entrypoint.sh",
        "config/settings/production.py",
        "config/wsgi.py",
    ]
    needed += [str(p.relative_to(ROOT)) for p in (ROOT / "static").rglob("*") if p.is_file()]
    kept = [p for p in needed if _ignored(p, rules)]
    assert kept == [], f"the build would miss {kept}"
    for keyword, args in _instructions(DOCKERFILE.read_text()):
        if keyword == "COPY" and "--from" not in args:
            for source in shlex.split(args)[:-1]:
                if source != ".":
                    assert not _ignored(source, rules), source

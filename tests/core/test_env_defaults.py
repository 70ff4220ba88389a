"""The suite runs with the production defaults: every default in `.env.example` is what this test run uses, except
the few listed in EXCEPTIONS, each with its reason. (A run that turned the DNI rate limit off for everything never
saw the leave beacon and AMP answer 500 with the default limit on.)"""

import os
import re
from pathlib import Path

import environ
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

# The only settings the test run takes from anywhere but the defaults (pyproject's pytest env, or CI).
EXCEPTIONS = {
    # Tests must not depend on a developer's .env (`make run` writes DEBUG=true into it).
    "READ_DOT_ENV_FILE",
    # Production has no default: it must be set, so the tests set a throwaway one.
    "SECRET_KEY",
    # No worker runs beside the tests: queued tasks run inline (STYLE: the test settings set sync).
    "Q_SYNC",
    # The hashed manifest needs `collectstatic` first; the production path (prod-smoke) runs it.
    "STATIC_MANIFEST",
    # CI runs the suite on SQLite, then on PostgreSQL, then on PostgreSQL + Redis (.ci/run).
    "DATABASE_URL",
    "REDIS_URL",
}


def _postgres_only(value):
    return value if settings.DATABASES["default"]["ENGINE"].endswith("postgresql") else NOT_READ


NOT_READ = object()  # the setting does not apply to this run (e.g. a PostgreSQL option on SQLite)

# Where each variable ends up when its settings name or shape differs from the variable's; the rest are
# `settings.<NAME>`.
READERS = {
    # Django's test environment adds the test client's host name to the list.
    "ALLOWED_HOSTS": lambda: [host for host in settings.ALLOWED_HOSTS if host != "testserver"],
    "CONN_MAX_AGE": lambda: settings.DATABASES["default"]["CONN_MAX_AGE"],
    "DATABASE_CONNECT_TIMEOUT": lambda: _postgres_only(settings.DATABASES["default"].get("OPTIONS", {}).get("connect_timeout")),
    "SECURE_PROXY_SSL_HEADER": lambda: settings.SECURE_PROXY_SSL_HEADER is not None,
    "LOG_LEVEL": lambda: settings.LOGGING["root"]["level"],  # type: ignore[index]
    "LOGIN_FAILURE_LIMIT": lambda: settings.AXES_FAILURE_LIMIT,
    "LOGIN_LOCKOUT_MINUTES": lambda: settings.AXES_COOLOFF_TIME.total_seconds() / 60,
    "Q_WORKERS": lambda: settings.Q_CLUSTER["workers"],
    "DEMO_ADMIN_PASSWORD": lambda: _demo_password(),
    "EMAIL_URL": lambda: _email_url(),
}


def _email_url() -> str:
    # What EMAIL_URL configured (Django's test runner swaps EMAIL_BACKEND itself for the in-memory one).
    backend = settings.EMAIL_CONFIG["EMAIL_BACKEND"]
    return "consolemail://" if backend == "django.core.mail.backends.console.EmailBackend" else backend


def _demo_password() -> str:
    from dashboard.management.commands.seed_demo import demo_password

    return demo_password()


def env_example() -> dict[str, str]:
    lines = (ROOT / ".env.example").read_text().splitlines()
    return dict(m.groups() for m in (re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line) for line in lines) if m)  # type: ignore[misc]


def _typed(example: str, like):
    if isinstance(like, bool | int | float | list):
        return environ.Env.parse_value(example, type(like))
    return example


def test_every_default_in_env_example_is_what_the_tests_run_with():
    mismatches = {}
    for name, example in env_example().items():
        if name in EXCEPTIONS:
            continue
        value = READERS[name]() if name in READERS else getattr(settings, name)
        if value is not NOT_READ and value != _typed(example, value):
            mismatches[name] = (example, value)
    assert mismatches == {}


def test_the_environment_of_the_test_run_overrides_nothing_but_the_exceptions():
    example = env_example()
    overridden = {name: os.environ[name] for name in example
                  if name not in EXCEPTIONS and os.environ.get(name, example[name]) != example[name]}
    assert overridden == {}


def test_the_exceptions_are_the_pytest_env_and_ci_settings_and_no_more():
    import tomllib

    pytest_env = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["env"]
    assert {line.split("=", 1)[0] for line in pytest_env} | {"DATABASE_URL", "REDIS_URL"} == EXCEPTIONS
    assert EXCEPTIONS <= set(env_example())


def test_the_rate_limit_is_on_in_the_test_run():
    assert settings.DNI_RATE_LIMIT == 120


def test_every_variable_the_settings_read_is_listed_in_env_example():
    read = set(re.findall(r"\benv(?:\.\w+)?\(\s*\"([A-Z][A-Z0-9_]*)\"", (ROOT / "config" / "settings.py").read_text()))
    assert read - set(env_example()) == set()

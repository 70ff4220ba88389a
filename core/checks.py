"""System checks over settings that can be checked before the first request: a bad value fails
`manage.py check` (and `check --deploy`), `qcluster` and the WSGI application's start, naming the setting."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, register

# Settings that must be a whole number of at least this much (0 = "off" where the setting allows it).
MINIMUMS = {
    "DNI_RATE_LIMIT": 0,
    "DNI_LEAVE_GRACE_SECONDS": 0,
    "POOLS_ENFORCE_EVERY_MINUTES": 1,
    "HEALTHZ_WORKER_MAX_AGE_SECONDS": 1,
    "WEBHOOKS_TIMEOUT_SECONDS": 1,
    "GA4_TIMEOUT_SECONDS": 1,
}
URLS = ("PUBLIC_BASE_URL", "GA4_COLLECT_URL")


def _url_problem(value) -> str | None:
    try:
        parts = urlsplit(value)
    except (TypeError, ValueError):
        return "is not a URL"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http(s) URL with a host, like https://calls.example.com"
    return None


@register()
def check_settings_values(app_configs, **kwargs):
    errors = []
    for name, minimum in MINIMUMS.items():
        value = getattr(settings, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            errors.append(Error(f"{name} is {value!r}; it must be a whole number ≥ {minimum}.",
                                hint=f"Fix {name} in the environment.", id="core.E001"))
    for name in URLS:
        value = getattr(settings, name)
        problem = _url_problem(value)
        if problem:
            errors.append(Error(f"{name} is {value!r}; it {problem}.", hint=f"Fix {name} in the environment.",
                                id="core.E002"))
    workers = settings.Q_CLUSTER.get("workers")
    if not isinstance(workers, int) or workers < 1:
        errors.append(Error(f"Q_WORKERS is {workers!r}; it must be a whole number ≥ 1.", id="core.E001"))
    return errors

"""The public DNI endpoints skip the middleware they do not need, and the connection health check.

Every page view of every customer's website calls them, and they trust no cookie: sessions, authentication,
the account's time zone, messages, CSRF (they are exempt), clickjacking headers (JSON and JavaScript are not
framed) and django-axes only cost time there. This middleware sits right after `SecurityMiddleware` and
`core.middleware.BadTextMiddleware`, so the security headers and the bad-text guard still apply; for a path
under /dni/ whose view `dni_endpoint` made (`dni_direct`), it calls the view itself instead of the rest of the
stack. Anything else (the demo page, an unknown path) goes down the stack as usual. An exception in the view
is turned into a 500 by Django's handler around this middleware, as for any view.

`CONN_HEALTH_CHECKS` costs a `SELECT 1` round trip before the first query of every request: on a heartbeat that
doubles the database round trips. A DNI request whose connection answered a DNI request less than
`HEALTH_CHECK_SKIP_SECONDS` ago skips it; a connection idle longer (the database may have restarted or dropped it
since) is still checked. Any request that failed on the database has Django check the connection when it ends.

The telephony provider webhooks under /telephony/ (calls.views; the caller waits on the voice webhook before the
phone rings) skip the same middleware and health check: they trust no cookie either (a provider's signature,
checked by every one of them, is their only credential) and are CSRF-exempt. A view there says so with
`webhook_direct`; the telephony routes of other apps (transcripts) go down the stack as usual.
"""

import time

from django.db import connection
from django.urls import Resolver404, URLResolver, get_resolver

PREFIX = "/dni/"
# The paths this middleware answers, each with the attribute that marks a view it may call directly.
DIRECT = {PREFIX: "dni_direct", "/telephony/": "webhook_direct"}
HEALTH_CHECK_SKIP_SECONDS = 2.0

clock = time.monotonic
_last_answered: tuple[object, float] | None = None  # (the DB-API connection, when it last answered a DNI request)


def _skip_health_check_of_a_busy_connection() -> None:
    raw = connection.connection
    if (raw is not None and _last_answered is not None and _last_answered[0] is raw
            and clock() - _last_answered[1] < HEALTH_CHECK_SKIP_SECONDS):
        connection.health_check_done = True  # type: ignore[attr-defined]  # Django's flag: as if the check already ran in this request


def _answered() -> None:
    """Remember the connection that just answered; forget it after a database error (the next request checks)."""
    global _last_answered
    ok = connection.connection is not None and not connection.errors_occurred
    _last_answered = (connection.connection, clock()) if ok else None


def _direct_urls(prefix: str) -> tuple[URLResolver, int]:
    """(the URLconf's first include at `prefix`, how much of the path to skip before it) — resolving only its few
    routes is several times cheaper than the whole URLconf — or (the whole URLconf, 0) if it has no such include."""
    root = get_resolver()
    for pattern in root.url_patterns:
        if isinstance(pattern, URLResolver) and str(pattern.pattern) == prefix[1:]:
            return pattern, 1
    return root, 0


class DniDirectMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.urls: dict[str, tuple[URLResolver, int]] = {}

    def _match(self, path: str, prefix: str = PREFIX):
        if prefix not in self.urls:
            self.urls[prefix] = _direct_urls(prefix)
        resolver, skip = self.urls[prefix]
        try:
            return resolver.resolve(path[skip:])
        except Resolver404:
            return None

    def __call__(self, request):
        path = request.path_info
        for prefix, marker in DIRECT.items():
            if path.startswith(prefix):
                match = self._match(path, prefix)
                if match is not None and getattr(match.func, marker, False):
                    request.resolver_match = match
                    _skip_health_check_of_a_busy_connection()
                    try:
                        response = match.func(request, *match.args, **match.kwargs)
                    finally:
                        _answered()
                    return response
                break
        return self.get_response(request)

"""The assign endpoint's "website + its pools by key" lookup, kept in Django's shared cache.

With REDIS_URL the cache is Redis: every web node reads the same entries, nothing lives in process memory,
and a heartbeat costs one database round trip. Without it the cache is the database itself, where a cached
entry costs the same round trip as the lookup, so the lookup simply runs (nothing cached, nothing to bump). Safety: every entry carries the generation token that was current when it
was loaded, and any save or delete of a Website or a Pool replaces the token (at once and again after the
commit), so an entry is used only while nothing changed since — a node that read old rows just before a
change and stored them just after it stores an entry that is already stale. Entry and token are read in
one cache round trip (`get_many`). Writes that bypass signals (`QuerySet.update`) call `websites_changed()`
or live with DATA_SECONDS of staleness; pools are rarely written, so one token for all websites is enough.
"""

import logging
import secrets

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection, transaction

from accounts.models import Website
from pools.models import Pool

logger = logging.getLogger(__name__)
TOKEN_KEY = "dni:sites:token"
DATA_SECONDS = 300


def _data_key(key: str) -> str:
    return f"dni:site:{key}"


def _is_cached() -> bool:
    return not isinstance(caches["default"], DatabaseCache)


def _load(key: str):
    pools = list(Pool.objects.filter(website__key=key).select_related("website").order_by("pk"))
    if pools:
        return pools[0].website, pools
    return Website.objects.filter(key=key).first(), pools


def website_with_pools(key: str):
    """(website, its pools in pk order, token) for the website key; website None when unknown.

    The token is None when nothing is cached (database cache).
    """
    if not _is_cached():
        return (*_load(key), None)
    data_key = _data_key(key)
    try:
        found = cache.get_many([data_key, TOKEN_KEY])
    except Exception:  # Redis down: serve from the database rather than fail the page's numbers
        logger.warning("DNI website cache unavailable; reading %s from the database", key, exc_info=True)
        return (*_load(key), None)
    token, entry = found.get(TOKEN_KEY), found.get(data_key)
    if token is not None and entry is not None and entry[0] == token:
        return entry[1], entry[2], token
    if token is None:
        token = secrets.token_hex(8)
        if not cache.add(TOKEN_KEY, token, timeout=None):
            token = cache.get(TOKEN_KEY, token)
    website, pools = _load(key)
    if website is not None:
        cache.set(data_key, (token, website, pools), DATA_SECONDS)
    return website, pools, token


def website_cache_store(*, website, pools, token: str | None) -> None:
    """Store a lookup whose website row this process changed itself (e.g. `snippet_seen_at`).

    Stored under the token it was loaded with: if anything changed meanwhile, the entry is stale on arrival.
    """
    if token is not None:
        cache.set(_data_key(website.key), (token, website, pools), DATA_SECONDS)


def websites_changed() -> None:
    """Invalidate every cached website lookup, now and once the current transaction commits."""

    def bump():
        try:
            cache.set(TOKEN_KEY, secrets.token_hex(8), timeout=None)
        except Exception:  # a save must not fail because Redis is down; entries expire after DATA_SECONDS
            logger.warning("DNI website cache not invalidated (cache unavailable)", exc_info=True)

    if not _is_cached():
        return
    bump()
    if connection.in_atomic_block:
        transaction.on_commit(bump)


def on_website_or_pool_change(sender, **kwargs) -> None:
    websites_changed()

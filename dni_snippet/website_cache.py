"""The DNI endpoints' "website + its pools by key" lookup and their rate-limit count, in at most ONE cache round
trip and no database round trip on a hit.

The website and its pools are kept in process memory for at most `DNI_CONFIG_MAX_AGE_SECONDS` (default 5): that
bounds how long any change, even one that bypasses signals (`QuerySet.update`), takes to reach every node.
Within that bound an entry is used only while the generation token it was loaded under is still current: any
save or delete of a Website or a Pool replaces the token (at once and again after the commit, so a node that
read old rows just before a change and stored them just after it stores an entry that is already stale), and
this process drops its own entries at once.

With Redis (REDIS_URL) the token is read in the same pipeline as the rate limit's `INCR`: one round trip per
request, whatever the website has. With the database cache (no Redis) there is no token: entries live the
bound, and the rate limit is one upsert statement on a small table (`core.rate_limit`). Other caches (local
memory in tests) go through Django's cache API.

Unknown keys cost no query per request either: the set of every website key is kept beside the entries, under the
same token and bound (one query per process per change or bound, whatever keys outsiders make up), and a key missing
from it is counted on the client's one "unknown keys" budget (`rate_key_for`), so made-up keys are rate-limited too.
Values derived from an entry (the served script) are memoised with it (`entry_memo`).
"""

import logging
import secrets
import time
import weakref
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction

from accounts.models import Website
from core.rate_limit import rate_count_db, rate_uncount_db
from pools.models import Pool

logger = logging.getLogger(__name__)
TOKEN_KEY = "dni:sites:token"
RATE_SECONDS = 70  # a minute's counter outlives its minute a little (clock skew between nodes)
MAX_ENTRIES = 10_000  # websites kept per process; beyond that the memory starts over

# key → (token it was loaded under, monotonic time it was loaded, website or None, pools, memo of derived values)
_entries: dict[str, tuple[str | None, float, Website | None, list[Pool], dict]] = {}
# (token it was loaded under, monotonic time it was loaded, every website key) or None before the first load
_known_keys: tuple[str | None, float, frozenset[str]] | None = None
clock: Callable[[], float] = time.monotonic


def _fresh(token_loaded: str | None, loaded_at: float, token: str | None, cache_up: bool) -> bool:
    return clock() - loaded_at <= settings.DNI_CONFIG_MAX_AGE_SECONDS and (token_loaded == token or not cache_up)


def website_key_missing(key: str) -> bool:
    """Process memory only, no round trip: this process's last set of website keys lacks `key` (a made-up key,
    or a website created since, which the lookup then finds). False while no set was loaded yet."""
    return _known_keys is not None and key not in _known_keys[2]


def rate_key_for(key: str, client: str) -> str:
    """The rate-limit counter of `client` asking for `key`: one per website key, and one shared by all the keys
    this process knows to be unknown, so inventing keys buys no new budget."""
    return f"dni:rl:?:{client}" if website_key_missing(key) else f"dni:rl:{key}:{client}"


def _website_keys(token: str | None, cache_up: bool) -> frozenset[str]:
    global _known_keys
    if _known_keys is not None and _fresh(_known_keys[0], _known_keys[1], token, cache_up):
        return _known_keys[2]
    keys = frozenset(Website.objects.values_list("key", flat=True))
    if cache_up:
        _known_keys = (token, clock(), keys)
    return keys


def _load(key: str):
    pools = list(Pool.objects.filter(website__key=key).select_related("website").order_by("pk"))
    if pools:
        return pools[0].website, pools
    return Website.objects.filter(key=key).first(), pools


# One redis-py client per cache backend: Django builds a new one on every call, filling its table of ~170 response
# callbacks each time (measured at a few hundred microseconds: more than the pipeline's own Python side).
_redis_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _redis_client(backend: RedisCache):
    """The backend's redis-py client (on its connection pool), built once per backend object."""
    client = _redis_clients.get(backend._cache)
    if client is None:
        client = _redis_clients[backend._cache] = backend._cache.get_client(write=True)
    return client


def _redis_round_trip(backend: RedisCache, rate_key: str | None) -> tuple[str | None, int | None]:
    """(token, this minute's count or None) in one pipeline: GET token [, INCR counter, EXPIRE counter]."""
    pipe = _redis_client(backend).pipeline(transaction=False)
    pipe.get(backend.make_and_validate_key(TOKEN_KEY))
    if rate_key is not None:
        counter = backend.make_and_validate_key(rate_key)
        pipe.incr(counter)
        pipe.expire(counter, RATE_SECONDS)
    raw, *counted = pipe.execute()
    token = backend._cache._serializer.loads(raw) if raw is not None else None  # type: ignore[attr-defined]  # the cache's own serializer
    return token, (counted[0] if counted else None)


def _other_cache_round_trip(rate_key: str | None) -> tuple[str | None, int | None]:
    token = cache.get(TOKEN_KEY)
    if rate_key is None:
        return token, None
    try:
        return token, cache.incr(rate_key)
    except ValueError:
        return token, 1 if cache.add(rate_key, 1, timeout=RATE_SECONDS) else cache.incr(rate_key)


def _token_and_count(rate_key: str | None, minute: int) -> tuple[str | None, int | None]:
    """The generation token and, when `rate_key` is given, its count in `minute`, incremented. The database
    keeps one row per `rate_key` (counting starts over in a new minute); caches one expiring key a minute."""
    backend = caches["default"]
    if isinstance(backend, DatabaseCache):
        return None, rate_count_db(rate_key, minute) if rate_key is not None else None
    minute_key = f"{rate_key}:{minute}" if rate_key is not None else None  # one counter a minute, expiring
    if isinstance(backend, RedisCache):
        return _redis_round_trip(backend, minute_key)
    return _other_cache_round_trip(minute_key)


def website_lookup(key: str, *, rate_key: str | None = None, minute: int = 0,
                   on_cache_down: Callable[[Exception], None] | None = None):
    """(website or None when unknown, its pools in pk order, this minute's count for `rate_key` or None).

    The count is None when `rate_key` is None or the cache is unreachable (the caller's limiter fails open; the
    lookup then trusts process memory for the bound, else reads the database)."""
    cache_up = True
    try:
        token, count = _token_and_count(rate_key, minute)
    except Exception as exc:  # noqa: BLE001 - Redis down or the counter table missing: serve the page's numbers
        if on_cache_down is not None:
            on_cache_down(exc)
        token, count, cache_up = None, None, False
    entry = _entries.get(key)
    if entry is not None and _fresh(entry[0], entry[1], token, cache_up):
        return entry[2], entry[3], count
    if (entry is None or entry[2] is None) and key not in _website_keys(token, cache_up):
        return None, [], count  # no per-key entry: made-up keys cannot push real websites out of memory
    website, pools = _load(key)
    if cache_up:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key] = (token, clock(), website, pools, {})
    return website, pools, count


def entry_memo(key: str, website: Website, name: str, compute: Callable[[], object]):
    """`compute()` once per entry of `key` (the one this request's lookup just validated), e.g. the served
    script; computed every time when the entry is gone or holds another website object."""
    entry = _entries.get(key)
    if entry is None or entry[2] is not website:
        return compute()
    memo = entry[4]
    if name not in memo:
        memo[name] = compute()
    return memo[name]


def rate_refund(rate_key: str, minute: int) -> None:
    """Take back one count of `rate_key` (a request refused before it cost anything: a foreign origin).
    An extra round trip, but only on a refused request; a cache outage is ignored (the count expires)."""
    try:
        backend = caches["default"]
        if isinstance(backend, DatabaseCache):
            rate_uncount_db(rate_key, minute)
        elif isinstance(backend, RedisCache):
            _redis_client(backend).decr(backend.make_and_validate_key(f"{rate_key}:{minute}"))
        else:
            backend.decr(f"{rate_key}:{minute}")
    except Exception:  # noqa: BLE001 - at worst the refused request keeps its count for the minute
        logger.warning("DNI rate limit count not refunded (cache unavailable)", exc_info=True)


def website_cache_forget() -> None:
    """Drop this process's entries and key set (a change made here; tests)."""
    global _known_keys
    _entries.clear()
    _known_keys = None


def _uses_token() -> bool:
    return not isinstance(caches["default"], DatabaseCache)


def websites_changed() -> None:
    """Invalidate every website lookup: this process's at once, other nodes' through the token (or the bound)."""

    def bump():
        website_cache_forget()
        if not _uses_token():
            return
        try:
            cache.set(TOKEN_KEY, secrets.token_hex(8), timeout=None)
        except Exception:  # a save must not fail because Redis is down; entries expire after the bound
            logger.warning("DNI website cache not invalidated (cache unavailable)", exc_info=True)

    bump()
    if connection.in_atomic_block:
        transaction.on_commit(bump)


def on_website_or_pool_change(sender, **kwargs) -> None:
    websites_changed()

"""Referrer hostname → (source, medium): the table lives in data/referrers.json (data, not code)."""

import json
from functools import lru_cache
from pathlib import Path

TABLE_PATH = Path(__file__).resolve().parent / "data" / "referrers.json"
ORGANIC = "organic"


def _strip_prefix(host: str) -> str:
    labels = host.strip(".").split(".")
    if len(labels) > 2 and labels[0] in ("www", "m"):
        labels = labels[1:]
    return ".".join(labels)


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    raw = {k: v for k, v in json.loads(TABLE_PATH.read_text()).items() if not k.startswith("_")}
    exact: dict[str, tuple[str, str]] = {}
    wildcard: dict[str, tuple[str, str]] = {}
    for key, value in raw.items():
        source, _, medium = value.partition(" / ")
        if key.endswith(".*"):
            wildcard[key[:-2]] = (source, medium)
        else:
            exact[_strip_prefix(key)] = (source, medium)
    return exact, wildcard


def referrer_for_host(host: str) -> tuple[str, str] | None:
    """`www.google.co.uk` → ("google", "organic"); `mail.google.com` → ("mail.google.com", "email");
    `news.example.com` → None. Hostname (or android-app package) only, lower-case expected."""
    exact, wildcard = _table()
    labels = _strip_prefix(host).split(".")
    for start in range(len(labels) - 1):
        hit = exact.get(".".join(labels[start:]))
        if hit:
            return hit
    # name.* entries: the whole host is the name followed by a public suffix of one or two labels
    # (google.com, google.co.uk, google.com.au), so a subdomain (mail.google.com) never matches google.*.
    for cut in range(len(labels) - 1, 0, -1):
        rest = labels[cut:]
        hit = wildcard.get(".".join(labels[:cut]))
        if hit and len(rest) <= 2 and all(len(part) <= 3 for part in rest[:-1]):
            return hit
    return None


def search_engine_for_host(host: str) -> str | None:
    """The engine name when the host is a search engine (medium organic), else None."""
    hit = referrer_for_host(host)
    return hit[0] if hit and hit[1] == ORGANIC else None


@lru_cache(maxsize=1)
def search_engine_names() -> frozenset[str]:
    exact, wildcard = _table()
    return frozenset(source for source, medium in (*exact.values(), *wildcard.values()) if medium == ORGANIC)

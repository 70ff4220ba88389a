"""Search-engine referrers: the hostname → engine-name table lives in data/search_engines.json (data, not code)."""

import json
from functools import lru_cache
from pathlib import Path

TABLE_PATH = Path(__file__).resolve().parent / "data" / "search_engines.json"


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], dict[str, str]]:
    raw = {k: v for k, v in json.loads(TABLE_PATH.read_text()).items() if not k.startswith("_")}
    exact = {host: name for host, name in raw.items() if not host.endswith(".*")}
    wildcard = {host[:-2]: name for host, name in raw.items() if host.endswith(".*")}
    return exact, wildcard


def search_engine_for_host(host: str) -> str | None:
    """`www.google.co.uk` → "google"; `news.example.com` → None. Hostname only, lower-case expected."""
    exact, wildcard = _table()
    labels = host.strip(".").split(".")
    if labels and labels[0] in ("www", "m"):
        labels = labels[1:]
    for start in range(len(labels) - 1):
        name = exact.get(".".join(labels[start:]))
        if name:
            return name
    # label.* entries: the label followed only by a public suffix of one or two labels (google.com, google.co.uk).
    for start in range(len(labels)):
        rest = labels[start + 1:]
        if 1 <= len(rest) <= 2 and labels[start] in wildcard and all(len(part) <= 3 for part in rest[:-1]):
            return wildcard[labels[start]]
    return None


@lru_cache(maxsize=1)
def search_engine_names() -> frozenset[str]:
    exact, wildcard = _table()
    return frozenset(exact.values()) | frozenset(wildcard.values())

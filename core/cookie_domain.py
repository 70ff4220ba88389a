"""The registrable domain a first-party cookie can be shared on: `www.shop.example.com` → `example.com`.

From the Public Suffix List that `tldextract` ships (its bundled snapshot: nothing is downloaded or cached on disk
at run time). The PSL's private section counts too, as browsers count it: `shop.github.io` is its own site, so a
cookie for `github.io` would be refused. No domain (None) for IP addresses, `localhost`, single-label hosts and
hosts under no known suffix: the script then keeps a host-only cookie.
"""

from functools import lru_cache
from urllib.parse import urlsplit

import tldextract


@lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # Loading the snapshot takes ~0.2 s once per process; later look-ups take microseconds.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str | None:
    host = host.strip().rstrip(".").lower()
    if not host or "." not in host or ":" in host:  # single label, IPv6 literal
        return None
    parts = _extractor()(host)
    if parts.ipv4:
        return None
    return parts.top_domain_under_public_suffix or None


def cookie_domain(page_url: str) -> str | None:
    """The `Domain=` for a cookie set by the page at `page_url` (None: host-only)."""
    try:
        host = urlsplit(page_url.strip()).hostname
    except ValueError:
        return None
    return registrable_domain(host) if host else None

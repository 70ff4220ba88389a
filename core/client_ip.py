"""The client's IP address. `X-Forwarded-For` is read only through settings.TRUSTED_PROXIES.

TRUSTED_PROXIES is empty (no proxy: REMOTE_ADDR is the client), a count ("1": one proxy in front, e.g. the
README's TLS proxy; the client is the last address it appended), or comma-separated addresses/CIDRs of the
proxies (only a request arriving from one of them has its header read; the client is the right-most address
that is not a trusted proxy). Anything else in the header is ignored, so a client cannot pick its own address.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def parse_trusted_proxies(raw: str) -> int | tuple:
    """0 (none), a proxy count, or a tuple of networks. Raises ValueError for anything else."""
    raw = (raw or "").strip()
    if not raw:
        return 0
    if raw.isdigit():
        return int(raw)
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip())


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    trusted = parse_trusted_proxies(str(getattr(settings, "TRUSTED_PROXIES", "") or ""))
    if not trusted:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if isinstance(trusted, int):
        # The last proxy set REMOTE_ADDR; each of the `trusted` proxies appended one address to the header.
        if len(forwarded) < trusted:
            return remote
        return _valid_ip(forwarded[-trusted]) or remote
    if not _in(remote, trusted):
        return remote
    for hop in reversed(forwarded):
        address = _valid_ip(hop)
        if address is None:
            return remote
        if not _in(address, trusted):
            return address
    return (_valid_ip(forwarded[0]) if forwarded else None) or remote


def _in(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip_or_none(request) -> str | None:
    """For django-axes (AXES_CLIENT_IP_CALLABLE): None when there is no address (e.g. an internal login)."""
    address = client_ip(request)
    return address if _valid_ip(address) else None

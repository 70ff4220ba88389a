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


def client_key_of(address: str) -> str | None:
    """The unit one client is counted as (rate limits, leases per client): an IPv4 address, or an IPv6 /64.

    One IPv6 customer gets a whole /64 (often more) and can rotate addresses inside it at will, so per-address
    counting would not limit anyone. An IPv4-mapped IPv6 address is its IPv4. None for no or an invalid address.
    """
    try:
        ip = ipaddress.ip_address(address.strip())
    except (ValueError, AttributeError):
        return None
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_key(request) -> str | None:
    return client_key_of(client_ip(request))


def lease_cap_key(key: str | None) -> str | None:
    """The client a per-client lease cap counts (`client_key`), or None (not capped) for this machine's own
    addresses: a loopback request is no visitor's but a local check or load test, or a proxy missing from
    TRUSTED_PROXIES, where a cap would treat every visitor behind it as one client."""
    if not key:
        return None
    try:
        network = ipaddress.ip_network(key, strict=False)
    except ValueError:
        return key
    is_loopback = network.is_loopback or (network.version == 6 and ipaddress.ip_address("::1") in network)
    return None if is_loopback else key

"""Outbound webhook URLs may not reach the install's own network (SSRF).

At save: https only (http too when DEBUG or WEBHOOKS_ALLOW_PRIVATE), and a URL whose host is, or resolves to, a loopback, private,
link-local or otherwise non-public address is refused. At send: the connection itself resolves the host,
checks every address and connects only to a checked one (so a DNS answer that changes after the save —
rebinding — is caught too); redirects are never followed. settings.WEBHOOKS_ALLOW_PRIVATE turns both
checks off for operators whose receivers live on a private network.
"""

import ipaddress
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class BlockedAddress(OSError):
    """The host resolves to an address webhooks may not reach."""


def is_blocked_ip(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """Every address `host` resolves to ([] when it does not resolve)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def webhook_url_problem(url: str) -> str | None:
    """Why this URL may not be a webhook receiver, or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "Enter a valid URL."
    # Receivers on the operator's own network (WEBHOOKS_ALLOW_PRIVATE) often have no certificate.
    allowed = ("https", "http") if settings.DEBUG or getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False) else ("https",)
    if parts.scheme not in allowed:
        return "Webhook URLs must use https."
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return "Enter a valid URL."
    if getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False):
        return None
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        # A name that does not resolve now is accepted; the send-time check still guards it.
        addresses = resolve(host, port or (443 if parts.scheme == "https" else 80))
    blocked = [address for address in addresses if is_blocked_ip(address)]
    if blocked:
        return (f"{host} resolves to {blocked[0]}, a loopback/private/link-local address; webhooks go only to "
                "public addresses (an operator can allow private ones with WEBHOOKS_ALLOW_PRIVATE).")
    return None


def _checked_address(host: str, port: int) -> str:
    if getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False):
        return host
    addresses = resolve(host, port)
    if not addresses:
        raise socket.gaierror(f"{host} does not resolve")
    blocked = [address for address in addresses if is_blocked_ip(address)]
    if blocked:
        raise BlockedAddress(f"refused: {host} resolves to {blocked[0]}, not a public address")
    return addresses[0]


if TYPE_CHECKING:  # what the mixin is mixed into, for mypy
    _ConnectionBase = HTTPConnection
else:
    _ConnectionBase = object


class _GuardedConnectionMixin(_ConnectionBase):
    def _new_conn(self):
        # Connect to the address we checked; TLS still verifies the certificate for self.host (SNI).
        original = self._dns_host
        self._dns_host = _checked_address(original, self.port)
        try:
            return super()._new_conn()
        finally:
            self._dns_host = original


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class GuardedHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class GuardedHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": GuardedHTTPConnectionPool, "https": GuardedHTTPSConnectionPool}


def guarded_session() -> requests.Session:
    """A requests session that connects only to public addresses and ignores proxy environment variables."""
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", GuardedAdapter())
    session.mount("https://", GuardedAdapter())
    return session

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from core.client_ip import client_ip, client_key, client_key_of, parse_trusted_proxies


def _request(remote="203.0.113.7", forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXIES = ""
    assert client_ip(_request(forwarded="1.2.3.4")) == "203.0.113.7"


def test_a_proxy_count_takes_the_address_the_last_proxy_appended(settings):
    settings.TRUSTED_PROXIES = "1"
    # The client sent a forged first entry; the proxy appended the real address.
    assert client_ip(_request(remote="127.0.0.1", forwarded="6.6.6.6, 198.51.100.4")) == "198.51.100.4"
    settings.TRUSTED_PROXIES = "2"
    assert client_ip(_request(remote="10.0.0.2", forwarded="6.6.6.6, 198.51.100.4, 10.0.0.1")) == "198.51.100.4"
    # Fewer entries than proxies: not from the proxies we were told about.
    assert client_ip(_request(remote="10.0.0.2", forwarded="198.51.100.4")) == "10.0.0.2"


def test_cidrs_are_read_only_from_a_trusted_peer(settings):
    settings.TRUSTED_PROXIES = "10.0.0.0/8, 127.0.0.1"
    assert client_ip(_request(remote="127.0.0.1", forwarded="6.6.6.6, 198.51.100.4, 10.1.2.3")) == "198.51.100.4"
    # A request straight from the internet cannot choose its address.
    assert client_ip(_request(remote="203.0.113.7", forwarded="198.51.100.4")) == "203.0.113.7"
    # Garbage in the header: fall back to the peer.
    assert client_ip(_request(remote="127.0.0.1", forwarded="not-an-ip")) == "127.0.0.1"


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        parse_trusted_proxies("proxy.example.com")


def test_settings_module_refuses_a_bad_value(monkeypatch):
    import importlib

    import config.settings as settings_module

    monkeypatch.setenv("TRUSTED_PROXIES", "nonsense")
    with pytest.raises(ImproperlyConfigured):
        importlib.reload(settings_module)
    monkeypatch.delenv("TRUSTED_PROXIES")
    importlib.reload(settings_module)


@pytest.mark.parametrize("address, key", [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("::ffff:198.51.100.4", "198.51.100.4"),
    ("unknown", None),
    ("", None),
])
def test_one_client_is_an_ipv4_address_or_an_ipv6_64(address, key):
    assert client_key_of(address) == key


def test_the_client_key_of_a_request_follows_the_trusted_proxies(settings):
    settings.TRUSTED_PROXIES = "1"
    assert client_key(_request(remote="127.0.0.1", forwarded="2001:db8:5:6:7::8")) == "2001:db8:5:6::/64"

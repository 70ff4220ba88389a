import pytest
import requests

from core.cookie_domain import cookie_domain, registrable_domain


@pytest.mark.parametrize("host, domain", [
    ("www.shop.example.com", "example.com"),
    ("book.shop.example.com", "example.com"),
    ("example.com", "example.com"),
    ("EXAMPLE.COM.", "example.com"),
    ("a.b.co.uk", "b.co.uk"),
    ("x.y.kawasaki.jp", "x.y.kawasaki.jp"),  # a wildcard rule (*.kawasaki.jp) with no exception
    ("shop.github.io", "shop.github.io"),
    ("app.shop.herokuapp.com", "shop.herokuapp.com"),
    ("localhost", None),
    ("intranet", None),
    ("shop.test", None),  # a reserved name, not a public suffix: no shared domain to name
    ("127.0.0.1", None),
    ("::1", None),
    ("", None),
])
def test_the_registrable_domain_follows_the_public_suffix_list(host, domain):
    assert registrable_domain(host) == domain


@pytest.mark.parametrize("url, domain", [
    ("https://www.shop.example.com:8443/p?q=1#f", "example.com"),
    ("http://[::1]:8000/", None),
    ("http://[bad/", None),
    ("not a url", None),
    ("", None),
])
def test_the_cookie_domain_is_read_from_the_page_url(url, domain):
    assert cookie_domain(url) == domain


def test_the_bundled_list_is_used_without_the_network_or_a_disk_cache(monkeypatch, tmp_path):
    from core import cookie_domain as module

    def no_network(*args, **kwargs):
        raise AssertionError("the Public Suffix List must come from the bundled snapshot")

    monkeypatch.setattr(requests.Session, "request", no_network)
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path))
    module._extractor.cache_clear()
    module.registrable_domain.cache_clear()
    try:
        assert registrable_domain("www.newsite.co.uk") == "newsite.co.uk"
    finally:
        module._extractor.cache_clear()
        module.registrable_domain.cache_clear()
    assert list(tmp_path.iterdir()) == []

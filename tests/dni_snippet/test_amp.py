"""GET /dni/<key>/amp.json: amp-call-tracking's config request, with AMP's CORS."""

from urllib.parse import urlencode

import pytest

from attribution.models import Visit
from dni_snippet.decorators import amp_cache_origins
from dni_snippet.services import amp_session_uid
from tests.dni_snippet.conftest import BROWSER_UA
from trackers.models import Lease

SITE = "https://alice.example.com"
AMP_CACHE = "https://alice-example-com.cdn.ampproject.org"
CLIENT_ID = "amp-JQ9nEpGqbDmWm2mNcHXz1A"


@pytest.fixture
def amp(client):
    def get(key="alicesite", origin=AMP_CACHE, source_origin=SITE, ua=BROWSER_UA, headers=None, **params):
        query = {"client_id": CLIENT_ID, "page_url": f"{SITE}/amp/offer?utm_source=news&utm_medium=email",
                 "referrer": "https://www.google.com/", **params}
        if source_origin:
            query["__amp_source_origin"] = source_origin
        extra = {"HTTP_USER_AGENT": ua, **(headers or {})}
        if origin:
            extra["HTTP_ORIGIN"] = origin
        return client.get(f"/dni/{key}/amp.json?{urlencode(query)}", **extra)

    return get


def test_amp_cache_request_gets_a_leased_number_and_amp_cors_headers(amp, visitor_pool):
    r = amp(pool=visitor_pool.pk)
    assert r.status_code == 200
    lease = Lease.objects.select_related("tracker", "visit").get()
    number = lease.tracker.tracking_number
    assert r.json() == {"phoneNumber": number, "formattedPhoneNumber": f"({number[2:5]}) {number[5:8]}-{number[8:]}"}
    assert r["Access-Control-Allow-Origin"] == AMP_CACHE
    assert r["Access-Control-Allow-Credentials"] == "true"
    assert r["AMP-Access-Control-Allow-Source-Origin"] == SITE
    assert "AMP-Access-Control-Allow-Source-Origin" in r["Access-Control-Expose-Headers"]
    assert (lease.visit.source, lease.visit.medium, lease.visit.session_uid) == ("news", "email", amp_session_uid(CLIENT_ID))


def test_the_same_amp_client_keeps_its_number(amp, visitor_pool):
    first = amp(pool=visitor_pool.pk).json()
    again = amp(pool=visitor_pool.pk, origin=SITE).json()
    assert again == first
    assert Lease.objects.count() == 1 and Visit.objects.count() == 1


def test_two_amp_clients_get_two_numbers(amp, visitor_pool):
    a = amp(pool=visitor_pool.pk).json()["phoneNumber"]
    b = amp(pool=visitor_pool.pk, client_id="amp-other-reader").json()["phoneNumber"]
    assert a != b


def test_source_pool_answers_the_number_of_the_visits_source(amp, source_pool):
    r = amp(pool=source_pool.pk, page_url=f"{SITE}/amp/?gclid=abc")
    assert r.json()["phoneNumber"] == source_pool.trackers.get(source="google").tracking_number


def test_original_number_when_nothing_is_leased(amp, source_pool):
    r = amp(pool=source_pool.pk, page_url=f"{SITE}/amp/", referrer="https://news.example.org/")
    assert r.json() == {"phoneNumber": "+12025550150", "formattedPhoneNumber": "(202) 555-0150"}


def test_bots_get_the_original_number_and_no_lease(amp, visitor_pool):
    r = amp(pool=visitor_pool.pk, ua="Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
    assert r.json()["phoneNumber"] == "+12025550100"
    assert not Lease.objects.exists()


def test_same_origin_amp_request_without_origin_header(amp, visitor_pool):
    r = amp(pool=visitor_pool.pk, origin="", source_origin="", headers={"HTTP_AMP_SAME_ORIGIN": "true"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r and "AMP-Access-Control-Allow-Source-Origin" not in r


def test_the_sites_own_origin_is_allowed(amp, visitor_pool):
    assert amp(pool=visitor_pool.pk, origin=SITE)["Access-Control-Allow-Origin"] == SITE


def test_another_sites_amp_cache_origin_is_refused(amp, visitor_pool):
    r = amp(pool=visitor_pool.pk, origin="https://evil-example-com.cdn.ampproject.org")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "origin_not_allowed"
    assert not Lease.objects.exists()


def test_source_origin_not_allowed_is_refused(amp, visitor_pool):
    r = amp(pool=visitor_pool.pk, source_origin="https://evil.example.com")
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "source_origin_not_allowed"


def test_unknown_key_is_404(amp, db):
    assert amp(key="nope", pool=1).status_code == 404


@pytest.mark.parametrize("pool", ["", "abc", "999999"])
def test_unknown_pool_is_404(amp, visitor_pool, pool):
    r = amp(pool=pool)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "unknown_pool"


def test_another_websites_pool_is_404(amp, visitor_pool, other_account):
    from tests.factories import PoolFactory

    bobs = PoolFactory(account=other_account, visitor=True)
    assert amp(pool=bobs.pk).status_code == 404


@pytest.mark.parametrize(("params", "code"), [
    ({"client_id": ""}, "client_id_required"),
    ({"client_id": "x" * 300}, "client_id_required"),
    ({"page_url": ""}, "page_url_required"),
    # NUL bytes are refused before any view runs (core.middleware.BadTextMiddleware), like every endpoint's.
    ({"referrer": "a\x00b"}, "bad_characters"),
])
def test_bad_parameters_are_400(amp, visitor_pool, params, code):
    r = amp(pool=visitor_pool.pk, **params)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code


def test_post_is_405(client, visitor_pool):
    assert client.post("/dni/alicesite/amp.json").status_code == 405


def test_amp_cache_origins_follow_the_amp_cache_subdomain_rules():
    assert amp_cache_origins("https://www.example-shop.com") == {
        "https://www-example--shop-com.cdn.ampproject.org", "https://www-example--shop-com.bing-amp.com"}
    assert amp_cache_origins("http://localhost:*") == set()
    assert amp_cache_origins("https://localhost:8443") == set()

"""Every public DNI endpoint goes through `dni_endpoint`: website → CORS → rate limit → view, in that order,
with the production rate limit (DNI_RATE_LIMIT=120) on. With the limit stacked outside the website lookup the
leave beacon and AMP answered 500 to every request."""

import json
from urllib.parse import urlencode

import pytest

from tests.dni_snippet.conftest import BROWSER_UA

SITE = "https://alice.example.com"
PRODUCTION_LIMIT = 120  # .env.example's DNI_RATE_LIMIT; set here so these tests mean it whatever the run sets


@pytest.fixture(autouse=True)
def _production_rate_limit(settings):
    settings.DNI_RATE_LIMIT = PRODUCTION_LIMIT


@pytest.fixture
def leave(client):
    def post(session_id="A" * 22, origin=SITE, **extra):
        headers = {"HTTP_ORIGIN": origin, **extra} if origin else extra
        return client.post("/dni/alicesite/leave", data=json.dumps({"session_id": session_id}),
                           content_type="text/plain;charset=UTF-8", **headers)

    return post


@pytest.fixture
def amp(client, visitor_pool):
    def get(origin=None, **extra):
        query = urlencode({"pool": visitor_pool.pk, "client_id": "amp-reader-1", "page_url": f"{SITE}/amp/"})
        headers = {"HTTP_USER_AGENT": BROWSER_UA, **({"HTTP_ORIGIN": origin} if origin else
                                                     {"HTTP_AMP_SAME_ORIGIN": "true"}), **extra}
        return client.get(f"/dni/alicesite/amp.json?{query}", **headers)

    return get


def test_the_leave_beacon_answers_204_with_the_default_rate_limit(assign, leave, visitor_pool):
    session_id = assign().json()["session_id"]
    r = leave(session_id)
    assert r.status_code == 204
    assert r["Access-Control-Allow-Origin"] == SITE


def test_the_amp_config_answers_200_with_the_default_rate_limit(amp, visitor_pool):
    r = amp()
    assert r.status_code == 200
    assert r.json()["phoneNumber"] in set(visitor_pool.trackers.values_list("tracking_number", flat=True))


def test_the_assign_call_answers_200_with_the_default_rate_limit(assign, visitor_pool):
    assert assign().status_code == 200


def _rate_limited_shape(response) -> None:
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "60"
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == "rate_limited"
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]


@pytest.mark.parametrize("endpoint", ["assign", "leave", "amp"])
def test_the_121st_request_in_a_minute_is_a_429_in_the_contracts_error_shape(endpoint, request, assign, leave,
                                                                            visitor_pool):
    if endpoint == "assign":
        first = assign().json()
        ids = {"session_id": first["session_id"], "visitor_id": first["visitor_id"]}
        send = lambda: assign(body={"page_url": f"{SITE}/", **ids})  # noqa: E731 - heartbeats: cheap to repeat
        sent = 1
    else:
        send, sent = (leave if endpoint == "leave" else request.getfixturevalue("amp")), 0
    codes = {send().status_code for _ in range(PRODUCTION_LIMIT - sent)}
    assert codes == {204 if endpoint == "leave" else 200}
    _rate_limited_shape(send())


def test_assign_leave_and_amp_share_one_budget_per_key_and_ip(assign, leave, amp, visitor_pool):
    for _ in range(PRODUCTION_LIMIT // 2):
        assert leave().status_code == 204
    for _ in range(PRODUCTION_LIMIT // 2):
        assert amp().status_code == 200
    _rate_limited_shape(assign())
    assert assign(REMOTE_ADDR="198.51.100.7").status_code == 200


def test_a_429_carries_the_cors_headers_so_the_snippet_can_read_it(settings, assign, visitor_pool):
    settings.DNI_RATE_LIMIT = 1
    assert assign().status_code == 200
    r = assign()
    _rate_limited_shape(r)
    assert r["Access-Control-Allow-Origin"] == SITE


def test_refused_origins_and_preflights_cost_no_budget(settings, client, assign, leave, visitor_pool):
    settings.DNI_RATE_LIMIT = 2
    assert {assign(origin="https://evil.example").status_code for _ in range(3)} == {403}
    preflight = client.options("/dni/alicesite/assign", HTTP_ORIGIN=SITE, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert preflight.status_code == 204 and preflight["Access-Control-Allow-Origin"] == SITE
    assert [assign().status_code, leave().status_code] == [200, 204]
    assert assign().status_code == 429


def test_the_script_has_its_own_budget_apart_from_the_assign_calls(settings, client, assign, visitor_pool):
    # Browsers fetch the cacheable script once per max-age: a client hammering it is refused (issue 28 #13), and
    # fetching it never uses up the budget the page's assign calls need.
    settings.DNI_RATE_LIMIT = 2
    codes = [client.get("/dni/alicesite.js").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    refused = client.get("/dni/alicesite.js")
    assert refused["Content-Type"].startswith("application/javascript") and refused["Retry-After"] == "60"
    assert [assign().status_code, assign().status_code] == [200, 200]


@pytest.mark.parametrize(("method", "path", "code"), [
    ("post", "/dni/nosuchkey/assign", "unknown_website"),
    ("post", "/dni/nosuchkey/leave", "unknown_website"),
    ("get", "/dni/nosuchkey/amp.json?pool=1", "unknown_website"),
])
def test_an_unknown_key_is_a_json_404_on_every_endpoint(client, db, method, path, code):
    r = getattr(client, method)(path, data="{}", content_type="text/plain") if method == "post" else client.get(path)
    assert r.status_code == 404
    assert r.json() == {"error": {"code": code, "message": "No website has this key."}}


@pytest.mark.parametrize(("method", "path"), [
    ("get", "/dni/alicesite/assign"), ("get", "/dni/alicesite/leave"), ("post", "/dni/alicesite/amp.json"),
    ("post", "/dni/alicesite.js"), ("options", "/dni/alicesite/amp.json"),
])
def test_a_wrong_method_is_405_before_any_lookup(client, website, method, path, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert getattr(client, method)(path).status_code == 405

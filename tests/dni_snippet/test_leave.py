"""POST /dni/<key>/leave: the `pagehide` beacon (text/plain JSON, no preflight)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from trackers.models import Lease


@pytest.fixture
def leave(client):
    def post(key="alicesite", body=None, origin="https://alice.example.com", content_type="text/plain;charset=UTF-8"):
        headers = {"HTTP_ORIGIN": origin} if origin else {}
        data = body if isinstance(body, (str, bytes)) else json.dumps(body or {})
        return client.post(f"/dni/{key}/leave", data=data, content_type=content_type, **headers)

    return post


def test_leave_shortens_the_sessions_lease_to_the_grace_period(assign, leave, visitor_pool, settings):
    settings.DNI_LEAVE_GRACE_SECONDS = 90
    first = assign().json()
    before = timezone.now()
    r = leave(body={"session_id": first["session_id"], "expires_at": first["expires_at"]})
    assert r.status_code == 204
    assert r["Access-Control-Allow-Origin"] == "https://alice.example.com"
    lease = Lease.objects.get()
    assert before + timedelta(seconds=89) < lease.expires_at <= timezone.now() + timedelta(seconds=90)
    assert lease.ended_at is None


def test_the_next_pages_assign_renews_the_lease_and_keeps_the_number(assign, leave, visitor_pool):
    first = assign().json()
    leave(body={"session_id": first["session_id"]})
    again = assign(body={"page_url": "https://alice.example.com/next", "session_id": first["session_id"],
                         "visitor_id": first["visitor_id"]}).json()
    assert again["numbers"] == first["numbers"]
    assert Lease.objects.get().expires_at > timezone.now() + timedelta(minutes=29)


def test_a_late_beacon_with_the_previous_pages_expiry_leaves_the_renewed_lease_alone(assign, leave, visitor_pool):
    first = assign().json()
    Lease.objects.update(expires_at=timezone.now() + timedelta(minutes=10))  # the next page renews below
    assign(body={"page_url": "https://alice.example.com/next", "session_id": first["session_id"]})
    assert leave(body={"session_id": first["session_id"], "expires_at": first["expires_at"]}).status_code == 204
    assert Lease.objects.get().expires_at > timezone.now() + timedelta(minutes=29)


def test_json_content_type_is_accepted_too(assign, leave, visitor_pool):
    first = assign().json()
    assert leave(body={"session_id": first["session_id"]}, content_type="application/json").status_code == 204
    assert Lease.objects.get().expires_at < timezone.now() + timedelta(minutes=3)


def test_unknown_session_is_a_harmless_204(leave, visitor_pool):
    assert leave(body={"session_id": "A" * 22}).status_code == 204


def test_unknown_key_is_404(leave, db):
    r = leave(key="nope", body={"session_id": "A" * 22})
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "unknown_website"


@pytest.mark.parametrize(("body", "content_type", "code"), [
    ("not json", "text/plain", "bad_json"),
    ("[1]", "text/plain", "bad_json"),
    ("{}", "text/plain", "session_id_required"),
    ('{"session_id": "../etc"}', "text/plain", "session_id_required"),
    ('{"session_id": "AAAAAAAAAAAAAAAAAAAAAA", "expires_at": "soon"}', "text/plain", "bad_expires_at"),
    ('{"session_id": "AAAAAAAAAAAAAAAAAAAAAA", "expires_at": "2026-13-45T00:00:00Z"}', "text/plain", "bad_expires_at"),
    ('{"session_id": "AAAAAAAAAAAAAAAAAAAAAA"}', "application/x-www-form-urlencoded", "bad_content_type"),
    ("x" * 5000, "text/plain", "body_too_large"),
])
def test_bad_body_is_400(leave, visitor_pool, body, content_type, code):
    r = leave(body=body, content_type=content_type)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code


def test_origin_not_allowed_is_403_and_changes_nothing(assign, leave, visitor_pool):
    first = assign().json()
    r = leave(body={"session_id": first["session_id"]}, origin="https://evil.example")
    assert r.status_code == 403
    assert Lease.objects.get().expires_at > timezone.now() + timedelta(minutes=29)


def test_another_websites_key_cannot_shorten_this_sessions_lease(assign, leave, visitor_pool, other_account):
    from tests.factories import WebsiteFactory

    WebsiteFactory(account=other_account, key="bobsite", allowed_origins=["https://bob.example.com"])
    first = assign().json()
    assert leave(key="bobsite", body={"session_id": first["session_id"]}, origin="https://bob.example.com").status_code == 204
    assert Lease.objects.get().expires_at > timezone.now() + timedelta(minutes=29)


def test_get_is_405(client, visitor_pool):
    assert client.get("/dni/alicesite/leave").status_code == 405


def test_leave_query_count_is_pinned(shared_cache, assign, leave, visitor_pool, django_assert_num_queries):
    first = assign().json()
    # The website with its pools comes from the shared cache (Redis in production); one UPDATE of the session's
    # open leases.
    with django_assert_num_queries(1):
        leave(body={"session_id": first["session_id"], "expires_at": first["expires_at"]})


def test_refused_preflight_and_assign_are_recorded_for_the_install_page(client, assign, visitor_pool):
    from django.core.cache import cache

    from accounts.models import RefusedOrigin

    cache.clear()
    r = client.options("/dni/alicesite/assign", HTTP_ORIGIN="https://shop.alice.example.com",
                       HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert r.status_code == 403
    assert assign(origin="https://shop.alice.example.com").status_code == 403
    row = RefusedOrigin.objects.get()
    assert (row.website_id, row.origin, row.count) == (visitor_pool.website_id, "https://shop.alice.example.com", 1)
    assert assign().status_code == 200
    assert RefusedOrigin.objects.count() == 1

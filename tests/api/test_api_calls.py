from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.conftest import error
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracker(account, website):
    return CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)


def test_detail_has_contract_fields_and_attribution(api_client, tracker, website):
    visit = VisitFactory(website=website)
    call = CallFactory(tracker=tracker, visit=visit, attribution_method="lease", attribution_confidence=1.0,
                       source="google", medium="cpc", gclid="abc")
    response = api_client.get(f"/api/v1/calls/{call.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert {"id", "provider_call_id", "tracking_number", "caller_number", "original_number", "started_at",
            "duration_seconds", "status", "first_time_caller", "source", "medium", "campaign", "term",
            "landing_page", "gclid", "attribution"} <= set(body)
    assert body["attribution"] == {"method": "lease", "confidence": 1.0, "visit": visit.pk}
    assert body["first_time_caller"] is True


@pytest.mark.parametrize("query, expected", [
    ("source=google", ["g"]),
    ("medium=organic", ["b"]),
    ("provider_call_id=CAold", ["old"]),
])
def test_filters(api_client, tracker, query, expected):
    now = timezone.now()
    CallFactory(tracker=tracker, provider_call_id="CAg", source="google", medium="cpc", started_at=now)
    CallFactory(tracker=tracker, provider_call_id="CAb", source="bing", medium="organic", started_at=now)
    CallFactory(tracker=tracker, provider_call_id="CAold", source="", started_at=now - timedelta(days=40))
    rows = api_client.get(f"/api/v1/calls/?{query}").json()["results"]
    assert [row["provider_call_id"][2:] for row in rows] == expected


def test_date_range_and_pool_filters(api_client, tracker, account, website):
    now = timezone.now()
    recent = CallFactory(tracker=tracker, started_at=now - timedelta(days=1))
    CallFactory(tracker=tracker, started_at=now - timedelta(days=40))
    other_pool_call = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True),
                                  started_at=now)
    after = (now - timedelta(days=7)).isoformat().replace("+00:00", "Z")
    rows = api_client.get("/api/v1/calls/", {"started_at_after": after, "pool": tracker.pool_id}).json()["results"]
    assert [row["id"] for row in rows] == [recent.pk]
    rows = api_client.get("/api/v1/calls/", {"tracker": other_pool_call.tracker_id}).json()["results"]
    assert [row["id"] for row in rows] == [other_pool_call.pk]


def test_bad_date_gets_400(api_client):
    response = api_client.get("/api/v1/calls/?started_at_after=yesterday")
    assert response.status_code == 400
    assert error(response)["code"] == "invalid"


def test_list_query_count_is_constant(api_client, tracker, django_assert_max_num_queries):
    for _ in range(5):
        CallFactory(tracker=tracker)
    with django_assert_max_num_queries(5):  # … and the page's tags, in one query
        assert api_client.get("/api/v1/calls/").json()["count"] == 5


def test_other_account_gets_404_and_empty_list(other_client, tracker):
    call = CallFactory(tracker=tracker)
    assert other_client.get(f"/api/v1/calls/{call.pk}/").status_code == 404
    assert other_client.get("/api/v1/calls/").json()["count"] == 0
    assert other_client.get(f"/api/v1/calls/?pool={tracker.pool_id}").json()["count"] == 0


def test_anonymous_gets_401(anon_client):
    assert anon_client.get("/api/v1/calls/").status_code == 401


def test_post_gets_405(api_client):
    assert api_client.post("/api/v1/calls/", {}, format="json").status_code == 405


def test_far_time_zone_offset_is_read_as_utc(api_client, tracker):
    # PostgreSQL refuses offsets beyond ±15:59; the filter converts to UTC first (found by schemathesis).
    response = api_client.get("/api/v1/calls/", {"started_at_after": "0912-08-12T22:14:30+23:35"})
    assert response.status_code == 200


def test_date_that_cannot_be_converted_gets_400(api_client, tracker):
    response = api_client.get("/api/v1/calls/", {"started_at_after": "0001-01-01T00:10:00+01:00"})
    assert response.status_code == 400
    assert "started_at" in error(response)["fields"]


def test_has_recording_is_in_the_output_and_filters(api_client, account):
    from tests.factories import CallFactory, CallTrackerFactory, PoolFactory

    tracker = CallTrackerFactory(pool=PoolFactory(account=account), active=True)
    recorded = CallFactory(tracker=tracker, recording_sid="RE" + "c" * 32, recording_url="sandbox:recordings/x")
    CallFactory(tracker=tracker)
    rows = api_client.get("/api/v1/calls/").json()["results"]
    assert {row["id"]: row["has_recording"] for row in rows}[recorded.pk] is True
    assert [row["id"] for row in api_client.get("/api/v1/calls/?has_recording=true").json()["results"]] == [recorded.pk]
    assert len(api_client.get("/api/v1/calls/?has_recording=false").json()["results"]) == 1
    assert "recording_url" not in rows[0]  # the provider URL never leaves callpool


def test_calls_carry_their_result_and_filter_by_it(api_client, tracker):
    answered = CallFactory(tracker=tracker, answered_at=timezone.now())
    missed = CallFactory(tracker=tracker, status="no-answer", duration_seconds=25)
    abandoned = CallFactory(tracker=tracker, status="canceled", duration_seconds=6)
    busy = CallFactory(tracker=tracker, status="busy", duration_seconds=1)
    rows = api_client.get("/api/v1/calls/").json()["results"]
    assert {row["id"]: row["result"] for row in rows} == {
        answered.pk: "answered", missed.pk: "missed", abandoned.pk: "abandoned", busy.pk: "busy_or_failed",
    }
    for result, call in [("missed", missed), ("abandoned", abandoned), ("busy_or_failed", busy)]:
        assert [row["id"] for row in api_client.get(f"/api/v1/calls/?result={result}").json()["results"]] == [call.pk]


def test_an_unknown_result_filter_gets_400(api_client):
    response = api_client.get("/api/v1/calls/?result=lost")
    assert response.status_code == 400
    assert error(response)["code"] == "invalid"

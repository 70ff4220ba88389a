"""The API's call handling and voicemail: a pool's `call_flow` (read, PATCH through pool_update, refusals as
`invalid_call_flow`), calls' `result` voicemail and its filter, `caller_name`, and the reports' voicemail count."""

from datetime import timedelta

import pytest
from django.utils import timezone

from pools.models import PoolChange
from tests.api.conftest import error
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory

pytestmark = pytest.mark.django_db
FLOW = {"hours": [{"days": [0, 1, 2, 3, 4], "open": "09:00", "close": "17:00"}], "holidays": ["2026-12-25"],
        "closed": {"action": "forward", "number": "(202) 555-0199"}, "ring_seconds": 20, "whisper": "Call from {source}"}


@pytest.fixture
def pool(account, website):
    return PoolFactory(account=account, website=website)


def test_pool_call_flow_is_null_by_default_and_patched_through_the_service(api_client, pool):
    assert api_client.get(f"/api/v1/pools/{pool.pk}/").json()["call_flow"] is None

    response = api_client.patch(f"/api/v1/pools/{pool.pk}/", {"call_flow": FLOW}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["call_flow"]["closed"] == {"action": "forward", "number": "+12025550199"}
    assert PoolChange.objects.filter(pool=pool, changes__has_key="call_flow").exists()
    back = api_client.patch(f"/api/v1/pools/{pool.pk}/", {"call_flow": None}, format="json")
    assert back.json()["call_flow"] is None


def test_a_bad_call_flow_is_refused_with_its_code(api_client, pool):
    response = api_client.patch(f"/api/v1/pools/{pool.pk}/", {"call_flow": {"ring_seconds": 500}}, format="json")

    assert response.status_code == 400
    assert error(response)["code"] == "invalid_call_flow"
    assert "ring_seconds" in error(response)["message"]


def test_voicemail_calls_have_their_result_filter_and_caller_name(api_client, account, pool):
    tracker = CallTrackerFactory(pool=pool, active=True)
    voicemail = CallFactory(tracker=tracker, status="completed", duration_seconds=40, voicemail=True,
                            recording_sid="RE" + "1" * 32, caller_name="JANE DOE")
    CallFactory(tracker=tracker, status="completed", duration_seconds=40)  # missed

    listed = api_client.get("/api/v1/calls/?result=voicemail").json()["results"]

    assert [call["id"] for call in listed] == [voicemail.pk]
    assert (listed[0]["result"], listed[0]["caller_name"], listed[0]["has_recording"]) == ("voicemail", "JANE DOE", True)


def test_reports_count_voicemails(api_client, account, pool):
    tracker = CallTrackerFactory(pool=pool, active=True)
    yesterday = timezone.now() - timedelta(hours=2)
    CallFactory(tracker=tracker, status="completed", duration_seconds=40, voicemail=True, started_at=yesterday)
    CallFactory(tracker=tracker, status="completed", duration_seconds=40, started_at=yesterday)

    rows = api_client.get("/api/v1/reports/pool/").json()["rows"]

    assert [(row["calls"], row["missed"], row["voicemail"]) for row in rows] == [(2, 1, 1)]

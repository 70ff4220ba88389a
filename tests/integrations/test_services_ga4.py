import json
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
import responses
from django.utils import timezone
from django_q.models import Schedule

from calls.models import Call
from core.errors import DomainError
from integrations.models import GA4Delivery
from integrations.services import ga4_enqueue, ga4_test_connection
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory
from tests.integrations.factories import GA4SettingsFactory

pytestmark = pytest.mark.django_db

COLLECT = "https://www.google-analytics.com/mp/collect"
DEBUG = "https://www.google-analytics.com/debug/mp/collect"


@pytest.fixture
def ga4(website):
    return GA4SettingsFactory(website=website)


def _call(account, website, **visit_fields):
    visit = VisitFactory(website=website, **visit_fields) if visit_fields is not None else None
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    return CallFactory(tracker=tracker, visit=visit, started_at=timezone.now() - timedelta(minutes=5),
                       duration_seconds=95, talk_seconds=90, answered_at=timezone.now() - timedelta(minutes=5),
                       source="google", medium="cpc", attribution_method="lease", is_conversion=True,
                       conversion_value=Decimal("40.00"))


@responses.activate
def test_sends_phone_call_event_with_visit_ids(ga4, account, website, django_capture_on_commit_callbacks):
    responses.post(COLLECT, status=204)
    call = _call(account, website, ga_client_id="111.222", ga_session_id="1700000000")
    with django_capture_on_commit_callbacks(execute=True):
        delivery = ga4_enqueue(call=call)
    request = responses.calls[0].request
    assert "measurement_id=G-TEST123" in request.url and "api_secret=secret123" in request.url
    body = json.loads(request.body)
    assert body["client_id"] == "111.222"
    [event] = body["events"]
    assert event["name"] == "phone_call"
    assert event["timestamp_micros"] == int(call.started_at.timestamp() * 1_000_000)
    assert event["params"]["session_id"] == "1700000000"
    assert event["params"]["engagement_time_msec"] == 90000
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status, delivery.attempts) == ("sent", 204, 1)


@responses.activate
def test_an_ended_call_still_waiting_for_its_other_leg_is_not_sent_yet(ga4, account, website,
                                                                       django_capture_on_commit_callbacks):
    responses.post(COLLECT, status=204)
    call = _call(account, website, ga_client_id="111.222", ga_session_id="1700000000")
    call.settles_at = timezone.now() + timedelta(seconds=30)
    call.save(update_fields=["settles_at"])
    with django_capture_on_commit_callbacks(execute=True):
        assert ga4_enqueue(call=call) is None
    assert len(responses.calls) == 0 and not GA4Delivery.objects.exists()


@responses.activate
def test_payload_carries_final_status_talk_time_and_value(ga4, account, website, django_capture_on_commit_callbacks):
    responses.post(COLLECT, status=204)
    account.currency = "EUR"
    account.save()
    call = _call(account, website, ga_client_id="111.222", ga_session_id="1700000000")
    with django_capture_on_commit_callbacks(execute=True):
        ga4_enqueue(call=call)
    params = json.loads(responses.calls[0].request.body)["events"][0]["params"]
    assert (params["call_status"], params["talk_seconds"], params["call_duration_seconds"]) == ("completed", 90, 95)
    assert (params["value"], params["currency"]) == (40.0, "EUR")


@pytest.mark.parametrize("fields", [
    {"is_conversion": False, "conversion_value": Decimal("0")},  # ended, but no conversion
    {"status": "ringing"},                                         # marked a lead while still ringing
    {"status": "in-progress"},
], ids=["not-converting", "ringing", "in-progress"])
def test_no_event_and_no_marker_until_the_call_has_ended_as_a_conversion(ga4, account, website, fields):
    call = _call(account, website, ga_client_id="111.222")
    Call.objects.filter(pk=call.pk).update(**fields)
    call.refresh_from_db()
    assert ga4_enqueue(call=call) is None
    # No row: the call can still be sent once, when it does end as a conversion.
    assert not GA4Delivery.objects.exists()


def test_one_marker_per_call_is_enforced_by_the_database(ga4, account, website):
    from django.db import IntegrityError, transaction

    call = _call(account, website, ga_client_id="1.2")
    GA4Delivery.objects.create(call=call, account=account, website=website)
    with pytest.raises(IntegrityError), transaction.atomic():
        GA4Delivery.objects.create(call=call, account=account, website=website)


@responses.activate
def test_call_without_client_id_is_skipped_with_reason(ga4, account, website):
    call = _call(account, website, ga_client_id="")
    delivery = ga4_enqueue(call=call)
    assert delivery.status == "skipped" and "client id" in delivery.reason
    assert len(responses.calls) == 0


@responses.activate
def test_one_event_per_call(ga4, account, website, django_capture_on_commit_callbacks):
    responses.post(COLLECT, status=204)
    call = _call(account, website, ga_client_id="1.2")
    with django_capture_on_commit_callbacks(execute=True):
        ga4_enqueue(call=call)
        ga4_enqueue(call=call)
    assert len(responses.calls) == 1 and GA4Delivery.objects.count() == 1


@responses.activate
def test_no_response_is_retried_later(ga4, account, website, django_capture_on_commit_callbacks):
    responses.post(COLLECT, body=requests.ConnectTimeout("slow"))
    call = _call(account, website, ga_client_id="1.2")
    with django_capture_on_commit_callbacks(execute=True):
        delivery = ga4_enqueue(call=call)
    delivery.refresh_from_db()
    assert delivery.status == "pending" and delivery.attempts == 1
    assert Schedule.objects.filter(func="integrations.tasks.send_ga4", args=f"({delivery.pk},)").exists()


@responses.activate
def test_error_response_is_not_retried(ga4, account, website, django_capture_on_commit_callbacks):
    responses.post(COLLECT, status=400)
    call = _call(account, website, ga_client_id="1.2")
    with django_capture_on_commit_callbacks(execute=True):
        delivery = ga4_enqueue(call=call)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.response_status) == ("failed", 400)
    assert not Schedule.objects.filter(func="integrations.tasks.send_ga4").exists()


def test_website_without_ga4_sends_nothing(account, website):
    assert ga4_enqueue(call=_call(account, website, ga_client_id="1.2")) is None


@responses.activate
def test_test_connection_returns_validation_messages(ga4):
    responses.post(DEBUG, json={"validationMessages": [{"description": "Invalid api_secret", "validationCode": "VALUE_INVALID"}]})
    assert ga4_test_connection(ga4=ga4) == ["Invalid api_secret"]
    assert json.loads(responses.calls[0].request.body)["events"][0]["name"] == "phone_call"


@responses.activate
def test_test_connection_valid(ga4):
    responses.post(DEBUG, json={"validationMessages": []})
    assert ga4_test_connection(ga4=ga4) == []


@responses.activate
def test_test_connection_unreachable(ga4):
    responses.post(DEBUG, body=requests.ConnectionError("down"))
    with pytest.raises(DomainError):
        ga4_test_connection(ga4=ga4)


@responses.activate
def test_a_call_marked_a_lead_after_ga4s_72_hours_is_skipped_with_reason(ga4, account, website):
    call = _call(account, website, ga_client_id="1.2")
    Call.objects.filter(pk=call.pk).update(started_at=timezone.now() - timedelta(hours=80))
    call.refresh_from_db()
    delivery = ga4_enqueue(call=call)
    assert delivery.status == "skipped" and "72 h" in delivery.reason
    assert len(responses.calls) == 0

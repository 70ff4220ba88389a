"""A forwarded call through the signed Twilio webhooks, in the order Twilio reports its two legs, to the webhook
receivers and GA4: `call.completed` goes out once the call's final state is known, with its duration, talk time
and conversion; `call.converted` goes out once per becoming a conversion; GA4 gets the real talk time and no
empty parameters. The sandbox's simulated call posts the same callbacks in the same order.

Twilio reports the end of a <Dial>ed call on both legs, in either order: when the business hangs up, the dialed
leg (<Number statusCallback>, with ParentCallSid and SequenceNumber) ends first and the caller's leg (the number's
status callback) when <Dial> returns; when the caller hangs up, the caller's leg ends first.
"""

import json
from datetime import timedelta
from email.utils import format_datetime

import pytest
import responses
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import async_task

from calls.completion import calls_settle_due
from calls.models import Call, CallEvent, ConversionRule
from calls.simulation import call_simulate
from core.schedules import wanted_schedules
from integrations.models import GA4Delivery, WebhookDelivery
from tests.calls.payloads import (
    BASE,
    TEST_TOKEN,
    dialed_status_payload,
    inbound_status_payload,
    sign,
    voice_payload,
)
from tests.factories import CallTrackerFactory, LeaseFactory, PoolFactory, VisitFactory
from tests.integrations.factories import GA4SettingsFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

HOOK = "https://hooks.example.com/in"
COLLECT = "https://www.google-analytics.com/mp/collect"
PARENT = "CA" + "e" * 32
CHILD = "CA" + "f" * 32
CALL_EVENTS = ["call.started", "call.completed", "call.converted", "call.attributed", "call.updated"]
RING, TALK = 5, 45
TOTAL = RING + TALK


@pytest.fixture
def twilio_post(client, settings):
    """POST like Twilio: form-encoded, signed with the SDK's RequestValidator over PUBLIC_BASE_URL + path."""
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = TEST_TOKEN
    settings.PUBLIC_BASE_URL = BASE

    def post(path: str, params: dict):
        response = client.post(path, data=params, HTTP_X_TWILIO_SIGNATURE=sign(params, path))
        assert response.status_code == 200, response.content
        return response

    return post


@pytest.fixture
def tracker(account, website):
    """A visitor pool's number, seen by a visit that has a GA client id but no GA session id."""
    ConversionRule.objects.create(website=website, min_seconds=30, value="80.00")
    GA4SettingsFactory(website=website)
    WebhookEndpointFactory(account=account, url=HOOK, event_types=CALL_EVENTS)
    pool = PoolFactory(account=account, website=website, visitor=True, original_number="+12025550100", lease_minutes=30)
    tracker = CallTrackerFactory(pool=pool, active=True)
    visit = VisitFactory(website=website, ga_client_id="111.222", ga_session_id="")
    LeaseFactory(tracker=tracker, visit=visit, started_at=timezone.now() - timedelta(minutes=1))
    return tracker


def _stamp(at) -> str:
    return format_datetime(at)


def _callbacks(tracker, *, first_end: str, talk: int = TALK):
    """(path, params) of one answered call, in the order Twilio posts them; `first_end`: which leg ends first."""
    t0 = timezone.now()
    dialed = [dialed_status_payload(parent_sid=PARENT, child_sid=CHILD, status=status, sequence=seq,
                                    to=tracker.pool.original_number, timestamp=_stamp(t0 + timedelta(seconds=at)))
              for seq, (status, at) in enumerate([("queued", 0), ("ringing", 0), ("in-progress", RING)])]
    dialed_end = dialed_status_payload(parent_sid=PARENT, child_sid=CHILD, status="completed", sequence=3,
                                       to=tracker.pool.original_number, call_duration=talk,
                                       timestamp=_stamp(t0 + timedelta(seconds=TOTAL)))
    inbound_end = inbound_status_payload(call_sid=PARENT, to=tracker.tracking_number, call_duration=TOTAL,
                                         timestamp=_stamp(t0 + timedelta(seconds=TOTAL)))
    ends = [dialed_end, inbound_end] if first_end == "dialed" else [inbound_end, dialed_end]
    status = "/telephony/twilio/status"
    return [("/telephony/twilio/voice", voice_payload(to=tracker.tracking_number, call_sid=PARENT)),
            *[(status, params) for params in [*dialed, *ends]]]


def _hook_bodies(event_type=None):
    bodies = [json.loads(call.request.body) for call in responses.calls if call.request.url == HOOK]
    return [body for body in bodies if event_type is None or body["type"] == event_type]


def _ga4_bodies():
    return [json.loads(call.request.body) for call in responses.calls if call.request.url.startswith(COLLECT)]


def _assert_complete_conversion_sent_once():
    [completed] = _hook_bodies("call.completed")
    data = completed["data"]
    assert (data["status"], data["duration_seconds"], data["talk_seconds"]) == ("completed", TOTAL, TALK)
    assert (data["is_conversion"], data["conversion_value"]) == (True, "80.00")
    [converted] = _hook_bodies("call.converted")
    assert converted["data"]["is_conversion"] is True and converted["data"]["talk_seconds"] == TALK
    [ga4] = _ga4_bodies()
    params = ga4["events"][0]["params"]
    assert (params["call_duration_seconds"], params["talk_seconds"], params["engagement_time_msec"]) == (
        TOTAL, TALK, TALK * 1000)
    assert "session_id" not in params
    assert "" not in params.values()


@pytest.mark.parametrize("first_end", ["dialed", "inbound"], ids=["business hangs up", "caller hangs up"])
@responses.activate
def test_call_completed_carries_the_whole_call_whichever_leg_reports_its_end_first(
        twilio_post, tracker, first_end, django_capture_on_commit_callbacks):
    responses.post(HOOK, status=200)
    responses.post(COLLECT, status=204)
    *before_the_last, last = _callbacks(tracker, first_end=first_end)
    with django_capture_on_commit_callbacks(execute=True):
        for path, params in before_the_last:
            twilio_post(path, params)
    assert _hook_bodies("call.completed") == [] and _ga4_bodies() == []  # one leg has not reported its end yet
    assert Call.objects.get().settles_at is not None

    with django_capture_on_commit_callbacks(execute=True):
        twilio_post(*last)
    _assert_complete_conversion_sent_once()
    assert Call.objects.get().settles_at is None

    # Twilio retries callbacks; the sweeper runs later: nothing goes out twice.
    with django_capture_on_commit_callbacks(execute=True):
        for path, params in _callbacks(tracker, first_end=first_end)[1:]:
            twilio_post(path, params)
        assert calls_settle_due(now=timezone.now() + timedelta(hours=1)) == 0
    _assert_complete_conversion_sent_once()
    assert WebhookDelivery.objects.filter(event_type="call.completed").count() == 1
    assert GA4Delivery.objects.get().status == "sent"


@responses.activate
def test_a_call_whose_other_leg_stays_silent_is_completed_by_the_sweeper_after_the_settle_window(
        twilio_post, tracker, django_capture_on_commit_callbacks):
    responses.post(HOOK, status=200)
    responses.post(COLLECT, status=204)
    callbacks = _callbacks(tracker, first_end="inbound")
    late_dialed_end = callbacks.pop()  # lost for now
    with django_capture_on_commit_callbacks(execute=True):
        for path, params in callbacks:
            twilio_post(path, params)
    settles_at = Call.objects.get().settles_at
    assert settles_at >= timezone.now() + timedelta(seconds=25)  # CALL_SETTLE_SECONDS (30) after the end

    with django_capture_on_commit_callbacks(execute=True):
        assert calls_settle_due(now=settles_at - timedelta(seconds=1)) == 0
    assert _hook_bodies("call.completed") == []

    with django_capture_on_commit_callbacks(execute=True):
        assert calls_settle_due(now=settles_at) == 1
        assert calls_settle_due(now=settles_at + timedelta(minutes=5)) == 0
    [completed] = _hook_bodies("call.completed")
    assert (completed["data"]["duration_seconds"], completed["data"]["is_conversion"]) == (TOTAL, False)
    assert _hook_bodies("call.converted") == [] and _ga4_bodies() == []

    # The talk time arrives late: the call becomes a conversion, announced once; no second call.completed.
    with django_capture_on_commit_callbacks(execute=True):
        twilio_post(*late_dialed_end)
        twilio_post(*late_dialed_end)
    [converted] = _hook_bodies("call.converted")
    assert (converted["data"]["talk_seconds"], converted["data"]["is_conversion"]) == (TALK, True)
    assert len(_hook_bodies("call.completed")) == 1
    [ga4] = _ga4_bodies()
    assert ga4["events"][0]["params"]["talk_seconds"] == TALK


@responses.activate
def test_the_scheduled_settle_task_completes_a_call_through_the_worker(
        twilio_post, tracker, settings, django_capture_on_commit_callbacks):
    settings.CALL_SETTLE_SECONDS = 0
    responses.post(HOOK, status=200)
    responses.post(COLLECT, status=204)
    callbacks = _callbacks(tracker, first_end="dialed")[:-1]  # the caller's leg never reports
    with django_capture_on_commit_callbacks(execute=True):
        for path, params in callbacks:
            twilio_post(path, params)
        async_task("calls.tasks.settle_calls")  # what the "settle ended calls" schedule runs (Q_SYNC: in-process)
    [completed] = _hook_bodies("call.completed")
    assert (completed["data"]["talk_seconds"], completed["data"]["is_conversion"]) == (TALK, True)
    assert len(_hook_bodies("call.converted")) == 1 and len(_ga4_bodies()) == 1


def test_the_settle_sweeper_is_scheduled_every_minute():
    spec = {"name": "settle ended calls", "func": "calls.tasks.settle_calls", "minutes": 1}
    assert spec in wanted_schedules()
    schedule = Schedule.objects.get(name="settle ended calls")  # registered by migrate
    assert (schedule.func, schedule.minutes, schedule.repeats) == ("calls.tasks.settle_calls", 1, -1)


@responses.activate
def test_an_outcome_set_later_sends_call_converted_to_webhooks_once(
        twilio_post, tracker, django_capture_on_commit_callbacks):
    from calls.outcomes import call_set_outcome

    responses.post(HOOK, status=200)
    responses.post(COLLECT, status=204)
    with django_capture_on_commit_callbacks(execute=True):
        for path, params in _callbacks(tracker, first_end="dialed", talk=10):
            twilio_post(path, params)
    [completed] = _hook_bodies("call.completed")
    assert (completed["data"]["talk_seconds"], completed["data"]["is_conversion"]) == (10, False)
    assert _hook_bodies("call.converted") == []

    call = Call.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        call_set_outcome(call=call, outcome="lead")
    with django_capture_on_commit_callbacks(execute=True):
        call_set_outcome(call=call, outcome="sale")  # still a conversion: not announced again
    [converted] = _hook_bodies("call.converted")
    assert (converted["data"]["outcome"], converted["data"]["is_conversion"]) == ("lead", True)
    assert len(_ga4_bodies()) == 1


# ---- the sandbox posts what Twilio posts ------------------------------------------------------------------

def _leg_sequence(call_sid_of_parent: str) -> list[tuple[str, str]]:
    """(leg, status) of the status callbacks a call received, in arrival order."""
    return [("dialed" if event.parent_call_sid else "inbound", event.status)
            for event in CallEvent.objects.filter(call__provider_call_id=call_sid_of_parent).order_by("id")]


@pytest.mark.parametrize("hangup_by,first_end", [("business", "dialed"), ("caller", "inbound")])
@responses.activate
def test_a_sandbox_call_posts_twilios_callbacks_in_twilios_order_and_is_sent_whole(
        client, twilio_post, tracker, hangup_by, first_end, django_capture_on_commit_callbacks):
    responses.post(HOOK, status=200)
    responses.post(COLLECT, status=204)
    expected = [("dialed" if params.get("ParentCallSid") else "inbound", params["CallStatus"])
                for path, params in _callbacks(tracker, first_end=first_end) if path.endswith("/status")]
    with django_capture_on_commit_callbacks(execute=True):
        call = call_simulate(tracking_number=tracker.tracking_number, caller_number="+14158675309",
                             duration_seconds=TALK, ring_seconds=RING, hangup_by=hangup_by)

    assert _leg_sequence(call.provider_call_id) == expected
    _assert_complete_conversion_sent_once()


# ---- the outbox: a broker outage at completion delays, never loses ---------------------------------------

@responses.activate
def test_with_the_broker_down_at_completion_every_webhook_and_ga4_event_goes_out_once_when_the_sweeper_runs(
        twilio_post, tracker, monkeypatch, django_capture_on_commit_callbacks):
    responses.post(HOOK, status=200)
    responses.post(COLLECT, status=204)

    def broker_down(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("core.queue.async_task", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        for path, params in _callbacks(tracker, first_end="inbound"):
            twilio_post(path, params)  # every callback still answers 200
    monkeypatch.undo()

    assert len(responses.calls) == 0
    pending = WebhookDelivery.objects.filter(status="pending", attempts=0)
    assert sorted(pending.values_list("event_type", flat=True)) == [
        "call.attributed", "call.completed", "call.converted", "call.started"]
    assert GA4Delivery.objects.get().status == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        async_task("integrations.tasks.send_due")  # what the "send due integrations" schedule runs
    assert sorted(body["type"] for body in _hook_bodies()) == [
        "call.attributed", "call.completed", "call.converted", "call.started"]
    _assert_complete_conversion_sent_once()
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {("succeeded", 1)}
    assert GA4Delivery.objects.get().status == "sent"

    # The lost wake-ups arriving late, and the sweeper's next runs, send nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        for delivery_id in WebhookDelivery.objects.values_list("id", flat=True):
            async_task("integrations.tasks.deliver_webhook", delivery_id)
        async_task("integrations.tasks.send_ga4", GA4Delivery.objects.get().pk)
        async_task("integrations.tasks.send_due")
    assert len(_hook_bodies()) == 4 and len(_ga4_bodies()) == 1


def test_a_row_being_sent_is_not_taken_by_a_second_sender(account):
    from integrations.services import outbox_send_due, webhook_deliver
    from tests.integrations.factories import WebhookDeliveryFactory

    delivery = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(account=account, url=HOOK),
                                      next_attempt_at=timezone.now())
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now + timedelta(minutes=5))  # claimed
    with responses.RequestsMock() as mocked:  # any request would fail the test: none registered
        assert webhook_deliver(delivery_id=delivery.pk, now=now).attempts == 0
        assert outbox_send_due(now=now) == 0
        assert len(mocked.calls) == 0


def test_the_outbox_sweeper_is_scheduled_every_minute():
    schedule = Schedule.objects.get(name="send due integrations")
    assert (schedule.func, schedule.minutes, schedule.repeats) == ("integrations.tasks.send_due", 1, -1)

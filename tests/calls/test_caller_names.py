"""Caller names through the provider's lookup (Twilio Lookup v2 `Fields=caller_name`, answered by `responses` with
the documented response shape): off by default, only in the worker (never the voice webhook), cached per account and
number for 30 days; shown in the API, the CSV and webhooks."""

from datetime import timedelta

import pytest
import responses
from django.utils import timezone

from calls.caller_names import CALLER_NAME_TTL, call_caller_name_fill
from calls.models import Call, CallerName
from telephony.models import Provider
from tests.calls.payloads import voice_payload
from tests.factories import CallFactory, CallTrackerFactory, TelephonySettingsFactory

pytestmark = pytest.mark.django_db
LOOKUP = "https://lookups.twilio.com/v2/PhoneNumbers/+14158675309"


def lookup_body(name="SERGIO SUAREZ", caller_type="CONSUMER"):
    """Twilio's documented v2 answer with Fields=caller_name (other data packages null)."""
    return {
        "calling_country_code": "1", "country_code": "US", "phone_number": "+14158675309",
        "national_format": "(415) 867-5309", "valid": True, "validation_errors": [],
        "caller_name": {"caller_name": name, "caller_type": caller_type, "error_code": None},
        "sim_swap": None, "call_forwarding": None, "line_status": None, "line_type_intelligence": None,
        "identity_match": None, "reassigned_number": None, "sms_pumping_risk": None,
        "phone_number_quality_score": None, "pre_fill": None, "url": LOOKUP,
    }


@pytest.fixture
def twilio_call(account, source_pool, twilio_env):
    TelephonySettingsFactory(account=account, provider=Provider.TWILIO)
    tracker = CallTrackerFactory(pool=source_pool, active=True, provider="twilio")
    account.lookup_caller_names = True
    account.save(update_fields=["lookup_caller_names"])
    return CallFactory(tracker=tracker, caller_number="+14158675309")


@responses.activate
def test_the_worker_looks_the_name_up_once_and_caches_it(twilio_call):
    responses.get(LOOKUP, json=lookup_body())

    first = call_caller_name_fill(call_id=twilio_call.pk)
    second_call = CallFactory(tracker=twilio_call.tracker, caller_number="+14158675309")
    second = call_caller_name_fill(call_id=second_call.pk)

    assert first == second == "SERGIO SUAREZ"
    assert len(responses.calls) == 1  # the second call read the cache
    assert responses.calls[0].request.params == {"Fields": "caller_name"}
    assert Call.objects.get(pk=twilio_call.pk).caller_name == "SERGIO SUAREZ"
    cached = CallerName.objects.get()
    assert (cached.account_id, cached.number, cached.caller_type) == (twilio_call.account_id, "+14158675309", "CONSUMER")


@responses.activate
def test_a_stale_cache_entry_is_looked_up_again(twilio_call):
    CallerName.objects.create(account=twilio_call.account, number="+14158675309", caller_name="OLD NAME",
                              looked_up_at=timezone.now() - CALLER_NAME_TTL - timedelta(minutes=1))
    responses.get(LOOKUP, json=lookup_body(name="NEW NAME"))

    assert call_caller_name_fill(call_id=twilio_call.pk) == "NEW NAME"
    assert CallerName.objects.get().caller_name == "NEW NAME"


@responses.activate
def test_off_by_default_nothing_is_looked_up(twilio_call):
    twilio_call.account.lookup_caller_names = False
    twilio_call.account.save(update_fields=["lookup_caller_names"])

    assert call_caller_name_fill(call_id=twilio_call.pk) == ""
    assert len(responses.calls) == 0


@responses.activate
def test_a_failed_lookup_leaves_the_call_without_a_name(twilio_call):
    responses.get(LOOKUP, status=404, json={"code": 20404, "message": "The requested resource was not found",
                                            "more_info": "https://www.twilio.com/docs/errors/20404", "status": 404})

    assert call_caller_name_fill(call_id=twilio_call.pk) == ""
    assert Call.objects.get(pk=twilio_call.pk).caller_name == ""
    assert not CallerName.objects.exists()


def test_the_voice_webhook_queues_the_lookup_and_does_not_call_the_provider(twilio_post, active_tracker, monkeypatch):
    queued = []
    monkeypatch.setattr("calls.services.wake_on_commit", lambda func, *args: queued.append((func, args)))
    account = active_tracker.pool.account
    account.lookup_caller_names = True
    account.save(update_fields=["lookup_caller_names"])

    with responses.RequestsMock():  # any outside request would fail the test
        twilio_post("/telephony/twilio/voice", voice_payload(to=active_tracker.tracking_number))

    call = Call.objects.get()
    assert queued == [("calls.tasks.lookup_caller_name", (call.pk,))]


def test_caller_name_is_in_the_api_and_the_webhook_payload(twilio_call):
    from calls.payloads import CallOutputSerializer

    Call.objects.filter(pk=twilio_call.pk).update(caller_name="SERGIO SUAREZ")
    twilio_call.refresh_from_db()

    data = CallOutputSerializer(twilio_call).data
    assert (data["caller_name"], data["voicemail"]) == ("SERGIO SUAREZ", False)

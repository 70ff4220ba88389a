"""The voice webhook is what the caller waits on before the phone rings (SPEC "Non-functional": ≤ 3 × a bare TwiML
view, bench/bench_voice_webhook.py): its queries are pinned as production runs them (autocommit, no test
transaction around them), and nothing on its path, hooks after the commit included, talks to the network."""

import re
import socket
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
import responses
from django.db import transaction
from django.utils import timezone

from calls.models import Call
from calls.signals import call_event
from integrations.models import WebhookDelivery, WebhookEndpoint
from telephony.models import Provider
from tests.calls.payloads import voice_payload
from tests.factories import LeaseFactory, TelephonySettingsFactory, VisitFactory

URL = "/telephony/twilio/voice"


def dialed(response):
    number = ET.fromstring(response.content).find("Dial/Number")
    return number.text if number is not None else None


@pytest.mark.django_db(transaction=True)
def test_a_call_to_a_source_pool_takes_two_queries_on_postgresql(twilio_post, active_tracker, django_assert_num_queries,
                                                                  on_postgres):
    # The tracker with its pool, account, telephony settings, the caller's block-list entry and history, whether
    # anyone listens to the call's events and the tracker's source at the call time (one query; on SQLite the
    # source in a query of its own); the call's insert, attributed already, in autocommit: nobody listens, so no
    # transaction.
    with django_assert_num_queries(2 if on_postgres else 3):
        response = twilio_post(URL, voice_payload(to=active_tracker.tracking_number))

    assert dialed(response) == "+12025550150"
    call = Call.objects.get()
    assert (call.is_first_time_caller, call.caller_number) == (True, "+14158675309")


@pytest.mark.django_db(transaction=True)
def test_a_call_to_a_leased_visitor_number_takes_two_queries_on_postgresql(twilio_post, visitor_tracker,
                                                                           django_assert_num_queries, on_postgres):
    visit = VisitFactory(website=visitor_tracker.pool.website, source="google", medium="cpc", campaign="spring")
    LeaseFactory(tracker=visitor_tracker, visit=visit, started_at=timezone.now() - timedelta(minutes=2))

    # The tracker, the caller's facts and the leases around the call with their visits (on SQLite the open leases
    # and the recent releases in queries of their own); the insert.
    with django_assert_num_queries(2 if on_postgres else 4):
        twilio_post(URL, voice_payload(to=visitor_tracker.tracking_number))

    call = Call.objects.get()
    assert (call.visit, call.attribution_method, call.source, call.campaign) == (visit, Call.Method.LEASE, "google", "spring")


@pytest.mark.django_db(transaction=True)
def test_an_account_with_webhook_endpoints_gets_its_outbox_rows_in_the_calls_transaction(
        twilio_post, visitor_tracker, monkeypatch):
    monkeypatch.setattr("core.queue.async_task", lambda func, *args: None)  # the worker's sends are not the request's
    account = visitor_tracker.pool.account
    WebhookEndpoint.objects.create(account=account, url="https://hooks.example.com/calls",
                                   event_types=["call.started", "call.attributed"])
    visit = VisitFactory(website=visitor_tracker.pool.website)
    LeaseFactory(tracker=visitor_tracker, visit=visit, started_at=timezone.now() - timedelta(minutes=2))
    seen = []

    def listener(sender, call_id, event, ring_listeners=None, **kwargs):
        seen.append((event, ring_listeners, transaction.get_connection().in_atomic_block))

    call_event.connect(listener, dispatch_uid="test-ring-listeners")
    try:
        twilio_post(URL, voice_payload(to=visitor_tracker.tracking_number))
    finally:
        call_event.disconnect(dispatch_uid="test-ring-listeners")

    call = Call.objects.get()
    assert seen == [("call.started", frozenset({"integrations"}), True),
                    ("call.attributed", frozenset({"integrations"}), True)]
    assert sorted(WebhookDelivery.objects.values_list("event_type", flat=True)) == ["call.attributed", "call.started"]
    assert all(delivery.payload["data"]["id"] == call.pk for delivery in WebhookDelivery.objects.all())


@pytest.mark.django_db(transaction=True)
def test_without_listeners_the_events_still_go_out_saying_nobody_listens(twilio_post, active_tracker):
    WebhookEndpoint.objects.create(account=active_tracker.pool.account, url="https://hooks.example.com/calls",
                                   event_types=["call.started"], is_enabled=False)
    seen = []
    call_event.connect(lambda sender, call_id, event, ring_listeners=None, **kwargs: seen.append((event, ring_listeners)),
                       dispatch_uid="test-ring-listeners", weak=False)
    try:
        twilio_post(URL, voice_payload(to=active_tracker.tracking_number))
    finally:
        call_event.disconnect(dispatch_uid="test-ring-listeners")

    assert seen == [("call.started", frozenset())]
    assert not WebhookDelivery.objects.exists()


@pytest.mark.django_db
def test_nothing_on_the_voice_request_path_talks_to_the_network(
        twilio_post, visitor_tracker, monkeypatch, django_capture_on_commit_callbacks):
    """Everything turned on that could call out (the caller-name lookup, a webhook endpoint, recording, a whisper):
    the request, its post-commit hooks included, only writes rows and queues work for the worker."""
    account = visitor_tracker.pool.account
    account.lookup_caller_names = True
    account.save(update_fields=["lookup_caller_names"])
    telephony = TelephonySettingsFactory(account=account, provider=Provider.TWILIO, twilio_account_sid="AC" + "1" * 32)
    telephony.set_twilio_auth_token("test-auth-token-0000000000000001")
    telephony.save()
    WebhookEndpoint.objects.create(account=account, url="https://hooks.example.com/calls",
                                   event_types=["call.started", "call.attributed"])
    visitor_tracker.provider = Provider.TWILIO
    visitor_tracker.save(update_fields=["provider"])
    pool = visitor_tracker.pool
    pool.record_calls = True
    pool.call_flow = {"whisper": "Call from {source}"}
    pool.save(update_fields=["record_calls", "call_flow"])
    LeaseFactory(tracker=visitor_tracker, visit=VisitFactory(website=pool.website),
                 started_at=timezone.now() - timedelta(minutes=2))
    queued = []
    monkeypatch.setattr("core.queue.async_task", lambda func, *args: queued.append(func))
    connects = []

    def refuse(sock, address):
        connects.append(address)
        raise OSError("no network on the voice webhook's path")

    monkeypatch.setattr(socket.socket, "connect", refuse)

    with responses.RequestsMock(assert_all_requests_are_fired=False) as outside:
        for method in (responses.GET, responses.POST, responses.PUT, responses.PATCH, responses.DELETE):
            outside.add(method, re.compile(r".*"), status=503)  # every request to anywhere is answered and counted
        with django_capture_on_commit_callbacks(execute=True):
            response = twilio_post(URL, voice_payload(to=visitor_tracker.tracking_number))
        requests_sent = [call.request.url for call in outside.calls]  # read before the mock's exit clears them

    assert (requests_sent, connects) == ([], [])
    assert dialed(response) == pool.original_number
    assert sorted(queued) == ["calls.tasks.lookup_caller_name", "integrations.tasks.deliver_webhook",
                              "integrations.tasks.deliver_webhook"]
    assert Call.objects.get().caller_name == ""  # the worker fills it in

"""Signal receivers: turn call and tracker events into webhook deliveries and GA4 events.

Call events arrive inside the transaction that changed the call: the deliveries are written as rows of that
transaction (the outbox; no network here) and the worker is woken after commit; the "send due integrations"
sweeper sends whatever the wake-up missed. A failure here is logged and undone (a savepoint), and never breaks
the caller (a Twilio webhook).
"""

import logging

from django.db import transaction

from calls.models import Call
from calls.payloads import CallOutputSerializer
from integrations import ad_services, services
from integrations.models import WebhookEvent
from trackers.models import CallTracker
from trackers.payloads import TrackerOutputSerializer
from transcripts.payloads import call_transcript_data

logger = logging.getLogger(__name__)

# Events after which a call may newly be a final conversion (see calls.signals, calls.completion).
GA4_TRIGGERS = frozenset({"call.completed", "call.converted", "call.updated"})


# Our name among the listeners to a ringing call's events (calls.signals): the voice webhook asks, in its tracker
# query, whether the account has webhook endpoints, and names us only when it has.
RING_LISTENER = "integrations"


def on_call_event(sender, call_id, event, ring_listeners=None, **kwargs):
    if ring_listeners is not None and RING_LISTENER not in ring_listeners:
        return  # a ringing call of an account without webhook endpoints: nothing to write, nothing to read
    try:
        with transaction.atomic():
            call = Call.objects.select_related("account", "pool__website", "visit").filter(pk=call_id).first()
            if call is None:
                return
            if event in WebhookEvent.values:
                # call.transcript_ready carries the transcript too (the call's shape plus `transcript`).
                data = call_transcript_data(call) if event == "call.transcript_ready" else CallOutputSerializer(call).data
                services.webhook_event_publish(account_id=call.account_id, event_type=event, data=data)
            if event in GA4_TRIGGERS:
                # Never at ring time: only a final, converting call is sent (ga4_enqueue checks), once per call.
                services.ga4_enqueue(call=call)
                # The same moment for the connected ad platforms: one outbox row per platform, once per call.
                ad_services.ad_conversions_enqueue(call=call)
    except Exception:
        logger.exception("Integrations failed for %s of call %s", event, call_id)


def on_tracker_status_changed(sender, tracker_id, from_status, to_status, reason, **kwargs):
    try:
        tracker = CallTracker.objects.select_related("pool").filter(pk=tracker_id).first()
        if tracker is None:
            return
        data = {"tracker": TrackerOutputSerializer(tracker).data, "from_status": from_status,
                "to_status": to_status, "reason": reason}
        services.webhook_event_publish(account_id=tracker.pool.account_id, event_type="tracker.status_changed", data=data)
    except Exception:
        logger.exception("Webhooks failed for tracker %s status change", tracker_id)

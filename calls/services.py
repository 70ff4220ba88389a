"""Writes for calls: start (voice webhook), status callbacks and attribution (simulation: calls/simulation.py).

Integrations hear about calls through `calls.signals.call_event`, sent inside the transaction that changes
the call: they write their outbox rows in it, so a rolled-back call sends nothing and a committed one loses nothing.
"""

import logging
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from attribution import matcher
from attribution.classification import channel_group
from calls.completion import (
    announce,
    announce_final,
    announce_if_converted,
    completion_changes,
)
from calls.conversion import CONVERSION_INPUT_FIELDS
from calls.flows import call_flow_plan, flow_urls, voicemail_urls
from calls.models import TERMINAL_STATUSES, Call, CallEvent, ConversionRule
from calls.outcomes import call_conversion_changes, website_conversions_recompute
from calls.planner import CallState, StatusEvent, plan_status_change
from calls.selectors import (
    SNAPSHOT_FIELDS,
    InboundCall,
    assignments_before,
    call_for_provider_id,
    caller_e164,
    caller_history_around,
    inbound_call_read,
    leases_around,
)
from calls.twiml import twiml_for_plan, twiml_forward, twiml_reject, twiml_reject_busy
from core.error_codes import MISSING_CALL_ID
from core.errors import DomainError
from core.phones import phone_location
from core.queue import wake_on_commit
from pools.models import Pool
from telephony.call_flow import Branch
from telephony.recordings import recording_url_is_allowed
from trackers.models import CallTracker

logger = logging.getLogger(__name__)

CALL_STARTED = "call.started"
CALL_ATTRIBUTED = "call.attributed"
CALL_RECORDING_READY = "call.recording_ready"
CALL_VOICEMAIL = "call.voicemail"  # for notifications (not a webhook type: webhooks get call.recording_ready)


def call_original_number(tracker: CallTracker) -> str:
    """Where a call to `tracker` goes: an Active or Flagged tracker's frozen original; an Available
    tracker always goes to its pool's *current* original (SPEC), whatever it forwarded to before."""
    if tracker.status == CallTracker.Status.AVAILABLE or not tracker.original_number:
        return tracker.pool.original_number
    return tracker.original_number


def call_start(*, provider_call_id: str, tracker: CallTracker, caller_number: str,
               now: datetime | None = None, spam: bool = False) -> tuple[Call, bool]:
    """Record an inbound call, once per provider call id, with where its caller's number is from. A call from a
    blocked caller is stored with `spam`. Returns (call, created)."""
    now = now or timezone.now()
    account = tracker.pool.account
    caller = caller_e164(caller_number, account.default_region)
    called_before, first_later = (
        caller_history_around(account=account, caller_number=caller, at=now, exclude_call_id=provider_call_id)
        if caller else (False, False)
    )
    inbound = InboundCall(tracker=tracker, at=now, caller=caller, caller_called_before=called_before,
                          caller_first_later=first_later)
    return _call_insert(inbound=inbound, provider_call_id=provider_call_id, spam=spam)


def _call_insert(*, inbound: InboundCall, provider_call_id: str, spam: bool = False,
                 attribution: dict | None = None) -> tuple[Call, bool]:
    """Insert the call `inbound` describes (with its `attribution` fields when planned already) and announce it.
    A provider's retry of a call being written or written already inserts nothing: (the stored call, False).

    When the voice webhook learnt that nobody listens to the ringing call's events (`ring_listeners` empty), the
    insert is the only write and needs no transaction around it: one statement."""
    if not provider_call_id:
        raise DomainError(MISSING_CALL_ID, "The provider sent no call id.", {"CallSid": ["Required."]})
    tracker, caller, now = inbound.tracker, inbound.caller, inbound.at
    pool = tracker.pool
    account = pool.account
    is_first_time = bool(caller) and not inbound.caller_called_before
    location = phone_location(caller)
    call = Call(
        account=account, provider_call_id=provider_call_id, tracker=tracker, pool=pool,
        tracking_number=tracker.tracking_number, caller_number=caller,
        original_number=call_original_number(tracker), status=Call.Status.RINGING,
        started_at=now, is_first_time_caller=is_first_time, spam=spam,
        caller_city=location["city"], caller_region=location["region"], caller_country=location["country"],
        **(attribution or {}),
    )
    demotes_later_calls = is_first_time and inbound.caller_first_later
    one_statement = inbound.ring_listeners == frozenset() and not demotes_later_calls
    try:
        with _savepoint_if_in_transaction() if one_statement else transaction.atomic():
            call.save(force_insert=True)
            if demotes_later_calls:
                # A call that started earlier but reached us later (replays, simulations) makes the later
                # calls of that caller repeat calls: first-time is decided by start time, not arrival.
                demoted = Call.objects.filter(account=account, caller_number=caller, started_at__gt=now,
                                              is_first_time_caller=True).update(is_first_time_caller=False)
                if demoted:
                    _recompute_first_time_only_conversions(account=account, website_id=pool.website_id)
            announce(call.pk, CALL_STARTED, ring_listeners=inbound.ring_listeners)
            if call.attribution_method != Call.Method.NONE:
                announce(call.pk, CALL_ATTRIBUTED, ring_listeners=inbound.ring_listeners)
            if caller and account.lookup_caller_names:
                # The provider's lookup is slow and charged: the worker does it (cached per number), never the webhook.
                wake_on_commit("calls.tasks.lookup_caller_name", call.pk)
    except IntegrityError:
        # A retry of the webhook: the first request wrote the call (or is writing it right now).
        return Call.objects.get(provider_call_id=provider_call_id), False
    return call, True


def _savepoint_if_in_transaction():
    """A single statement needs no transaction; inside one (a caller's, the tests') a failed insert must not
    break it, so it gets a savepoint there."""
    return transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext()


def calls_first_time_recompute(*, account) -> int:
    """Set every call's first-time flag by start time (ties by id): first-time = no earlier call from that caller
    number to the account. For bulk loads (seed_demo, imports) that insert calls out of order. Returns the number
    of calls now marked first-time."""
    earlier = Call.objects.filter(account=account, caller_number=OuterRef("caller_number")).filter(
        Q(started_at__lt=OuterRef("started_at")) | Q(started_at=OuterRef("started_at"), id__lt=OuterRef("id"))
    )
    with transaction.atomic():
        Call.objects.filter(account=account).exclude(caller_number="").update(is_first_time_caller=~Exists(earlier))
        Call.objects.filter(account=account, caller_number="").update(is_first_time_caller=False)
    _recompute_first_time_only_conversions(account=account)
    return Call.objects.filter(account=account, is_first_time_caller=True).count()


def _recompute_first_time_only_conversions(*, account, website_id: int | None = None) -> None:
    """A changed first-time flag changes conversions under a "first-time callers only" rule."""
    rules = ConversionRule.objects.filter(website__account=account, first_time_only=True)
    if website_id is not None:
        rules = rules.filter(website_id=website_id)
    for rule_website_id in rules.values_list("website_id", flat=True):
        transaction.on_commit(lambda wid=rule_website_id: website_conversions_recompute(website_id=wid))  # type: ignore[misc]


def _lease_facts(*, tracker: CallTracker, call_at: datetime, lease_minutes: int, account_id: int,
                 rows: tuple | None = None) -> tuple[list[matcher.LeaseFact], dict[int, dict]]:
    """(the tracker's leases around `call_at`, {visit id: its attribution snapshot} for the account's visits among
    them): one query, the visits joined — or none when the voice webhook's query read them already (`rows`)."""
    if rows is None:
        rows = tuple(leases_around(tracker_id=tracker.pk, call_at=call_at,
                                   window_start=call_at - timedelta(minutes=lease_minutes)))
    facts, snapshots = [], {}
    for visit_id, started_at, expires_at, ended_at, is_shared, visit_account_id, *snapshot in rows:
        facts.append(matcher.LeaseFact(visit_id=visit_id, started_at=started_at, expires_at=expires_at,
                                       ended_at=ended_at, is_shared=is_shared))
        if visit_account_id == account_id:
            snapshots[visit_id] = dict(zip(SNAPSHOT_FIELDS, snapshot, strict=True))
    return facts, snapshots


# A tracker's status in the matcher's words: active trackers show their source at the top, flagged ones still do.
SHOWN_BY_STATUS: dict[str, str] = {CallTracker.Status.ACTIVE: matcher.TOP, CallTracker.Status.FLAGGED: matcher.STALE}


def _assignment_facts(*, tracker: CallTracker, call_at: datetime,
                      rows: tuple | None = None) -> list[matcher.AssignmentFact]:
    """The tracker's latest status changes at or before the call (the matcher takes the newest one): one query, or
    none when the voice webhook's query read them already (`rows`)."""
    if rows is None:
        rows = tuple(assignments_before(tracker_id=tracker.pk, call_at=call_at))
    return [
        matcher.AssignmentFact(at=created_at, shown=SHOWN_BY_STATUS.get(to_status, matcher.NOT_SHOWN),
                               source=source, medium=medium, order=change_id)
        for change_id, created_at, to_status, source, medium in rows
    ]


def call_attribute(*, call: Call) -> Call:
    """Attribute `call` to a visit (visitor pools) or a source/medium (source pools). Idempotent.

    Calls attributed by hand keep their attribution.
    """
    if call.attribution_method == Call.Method.MANUAL or call.tracker_id is None:
        return call
    tracker = call.tracker
    assert tracker is not None  # tracker_id is set
    values = _attribution_values(tracker=tracker, pool=call.pool or tracker.pool, account_id=call.account_id,
                                 call_at=call.started_at)
    changed = [field for field, value in values.items() if getattr(call, field) != value]
    if not changed:
        return call
    for field in changed:
        setattr(call, field, values[field])
    call.save(update_fields=[field.removesuffix("_id") for field in changed])
    if call.attribution_method != Call.Method.NONE:
        announce(call.pk, CALL_ATTRIBUTED)
    return call


OFFLINE_CHANNEL = "Offline"  # reports' channel of calls to numbers printed off the website (SPEC "Pool": offline)


def _attribution_values(*, tracker: CallTracker, pool: Pool, account_id: int, call_at: datetime,
                        read: tuple[tuple, tuple] | None = None) -> dict:
    """The attribution fields of a call to `tracker` at `call_at`: the visit (visitor pools) or the source/medium
    (source pools) the matcher picks, with a snapshot of what it was attributed to; a number printed offline
    (billboard, print) is that placement's, without any visit. `read`: the rows of the tracker's leases and status
    changes the voice webhook's query read already (InboundCall.attribution), else they are queried here."""
    lease_rows, assignment_rows = read if read is not None else (None, None)
    if pool.is_offline:
        offline = pool.offline
        return {
            "visit_id": None, "attribution_method": Call.Method.OFFLINE, "attribution_confidence": 1.0,
            "source": offline["source"], "medium": offline["medium"], "campaign": offline.get("label", "")[:200],
            "term": "", "landing_page": "", "landing_page_key": "", "channel": OFFLINE_CHANNEL, "gclid": "",
        }
    visits: dict[int, dict] = {}
    if pool.tracking == Pool.Tracking.VISITOR:
        facts, visits = _lease_facts(tracker=tracker, call_at=call_at, lease_minutes=pool.lease_minutes,
                                     account_id=account_id, rows=lease_rows)
        match = matcher.plan_visitor_match(leases=facts, call_at=call_at, lease_minutes=pool.lease_minutes)
    else:
        history = _assignment_facts(tracker=tracker, call_at=call_at, rows=assignment_rows)
        match = matcher.plan_source_match(history=history, call_at=call_at)
    snapshot = {"source": match.source, "medium": match.medium, "campaign": "", "term": "", "landing_page": "",
                "landing_page_key": "", "channel": channel_group(match.source, match.medium) if match.source else "",
                "gclid": ""}
    visit_id = match.visit_id if match.visit_id in visits else None
    if visit_id is not None:
        snapshot = visits[visit_id]
    method = match.method if (visit_id is not None or match.visit_id is None) else Call.Method.NONE
    return {
        "visit_id": visit_id, "attribution_method": method,
        "attribution_confidence": match.confidence if method != Call.Method.NONE else 0.0,
        **{field: value[:Call._meta.get_field(field).max_length] for field, value in snapshot.items()},  # type: ignore[union-attr]
    }


def _event_time(params, now: datetime) -> datetime:
    """The callback's `Timestamp`: RFC 2822 (Twilio, SignalWire) or ISO 8601 (Telnyx's TeXML); else `now`."""
    raw = params.get("Timestamp", "")
    if raw:
        try:
            parsed = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            try:
                parsed = datetime.fromisoformat(raw)
            except ValueError:
                return now
        # "-0000" parses naive; Twilio's timestamps are UTC.
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return now


INT32_MAX = 2**31 - 1


def _int_or_none(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _counter_or_none(params, name: str) -> int | None:
    """A provider counter (SequenceNumber, CallDuration): None when absent or not a number; a number outside
    what the columns hold is refused (DomainError, 400) instead of overflowing the database (500)."""
    value = _int_or_none(params.get(name))
    if value is not None and not 0 <= value <= INT32_MAX:
        raise DomainError("invalid", f"{name} is out of range.", {name: ["Out of range."]})
    return value


def call_record_status(*, params, now: datetime | None = None) -> Call | None:
    """Apply one provider status callback. Duplicates are ignored; unknown calls create nothing (None)."""
    now = now or timezone.now()
    call_sid = params.get("CallSid", "")
    parent_sid = params.get("ParentCallSid", "")
    call = call_for_provider_id(provider_call_id=parent_sid or call_sid)
    if call is None or not call_sid:
        return None
    status = params.get("CallStatus", "")
    sequence = _counter_or_none(params, "SequenceNumber")
    event = StatusEvent(
        status=status, at=_event_time(params, now), is_dialed_leg=bool(parent_sid),
        call_duration=_counter_or_none(params, "CallDuration"),
    )
    with transaction.atomic():
        try:
            with transaction.atomic():
                CallEvent.objects.create(
                    call=call, call_sid=call_sid, parent_call_sid=parent_sid,
                    sequence_number=sequence, status=status[:12],
                    payload=dict(params.items()), received_at=now,
                )
        except IntegrityError:
            return call  # a retried callback: already applied
        call = Call.objects.select_for_update().get(pk=call.pk)
        state = CallState(status=call.status, answered_at=call.answered_at, ended_at=call.ended_at,
                          duration_seconds=call.duration_seconds, talk_seconds=call.talk_seconds)
        was_final, was_settling, was_conversion = call.is_final, call.settles_at is not None, call.is_conversion
        changes = plan_status_change(state=state, event=event)
        if parent_sid and sequence is not None and sequence > call.last_sequence_number:
            changes["last_sequence_number"] = sequence  # the dialed leg's progress, for support
        for field, value in changes.items():
            setattr(call, field, value)
        if call.status in TERMINAL_STATUSES and CONVERSION_INPUT_FIELDS & set(changes):
            changes.update(call_conversion_changes(call=call))
        settle_changes, turned_final = completion_changes(call=call, was_status=state.status,
                                                          was_settling=was_settling, now=now)
        changes.update(settle_changes)
        if changes:
            call.save(update_fields=list(changes))
        if changes.get("status") in TERMINAL_STATUSES and state.status not in TERMINAL_STATUSES:
            if call.attribution_method == Call.Method.NONE:
                _attribute_safely(call)
        if turned_final:
            announce_final(call)
        else:
            announce_if_converted(call=call, was_final=was_final, was_conversion=was_conversion)
    return call


def call_record_recording(*, params, voicemail: bool = False) -> Call | None:
    """Store a finished recording from the provider's recording-status callback on its call, once.

    A voicemail (the call flow's <Record>: its action request, `voicemail=True`, or a recording callback whose
    `RecordingSource` is `RecordVerb`) is stored the same way and marks the call `voicemail`; the first one to
    arrive announces it (`call.recording_ready`, and `call.voicemail` for notifications).

    Retried callbacks change nothing and send no second `call.recording_ready`; a callback for an unknown call,
    or one that is not a finished recording (`RecordingStatus` in-progress/absent/failed), stores nothing.
    """
    sid = (params.get("RecordingSid") or "")[:64]
    status = params.get("RecordingStatus", "completed")
    call = call_for_provider_id(provider_call_id=params.get("ParentCallSid") or params.get("CallSid", ""))
    if call is None or not sid or status != "completed":
        return call
    url = params.get("RecordingUrl") or ""
    if not recording_url_is_allowed(url):
        logger.warning("Recording %s of call %s has an unexpected URL; not stored.", sid, call.provider_call_id)
        return call
    duration = _int_or_none(params.get("RecordingDuration"))
    voicemail = voicemail or params.get("RecordingSource") == "RecordVerb"
    with transaction.atomic():
        stored = Call.objects.filter(pk=call.pk).exclude(recording_sid=sid).update(
            recording_sid=sid, recording_url=url[:500],
            recording_duration_seconds=duration if duration is not None and duration >= 0 else None,
            **({"voicemail": True} if voicemail else {}),
        )
        if stored:
            announce(call.pk, CALL_RECORDING_READY)
            if voicemail:
                announce(call.pk, CALL_VOICEMAIL)
    call.refresh_from_db(fields=["recording_sid", "recording_url", "recording_duration_seconds", "voicemail"])
    return call


def _attribute_safely(call: Call) -> None:
    """Attribution never fails the webhook that triggered it; a failure is logged and retried at completion."""
    try:
        # A savepoint only inside a transaction (status callbacks): there a failure must not undo the
        # status change. In autocommit (voice webhook) a failed statement leaves nothing to roll back.
        with transaction.atomic() if transaction.get_connection().in_atomic_block else nullcontext():
            call_attribute(call=call)
    except Exception:
        logger.exception("Attributing call %s failed; it stays unattributed for now.", call.provider_call_id)


def _ring_attribution(inbound: InboundCall) -> dict:
    """The attribution fields of a call as it rings, for its insert; {} (unattributed for now, retried when the call
    completes) when planning them failed. Read with the tracker already (InboundCall.attribution), they cost no
    query, so no savepoint either."""
    tracker = inbound.tracker
    try:
        with _savepoint_if_in_transaction() if inbound.attribution is None else nullcontext():
            return _attribution_values(tracker=tracker, pool=tracker.pool, account_id=tracker.pool.account_id,
                                       call_at=inbound.at, read=inbound.attribution)
    except Exception:
        logger.exception("Attributing the call to %s failed; it stays unattributed for now.", tracker.tracking_number)
        return {}


_LOOK_UP = object()


def call_route_inbound(*, params, now: datetime | None = None, inbound=_LOOK_UP, webhook_prefix: str = "twilio") -> str:
    """The voice webhook's answer: TwiML that dials the original number, <Reject/> for an unknown number, or
    <Reject reason="busy"/> for a caller on the account's block list (the call is kept, marked spam).

    `inbound` is what the signature check read already (calls.selectors.inbound_call_read, None for a number that
    is not ours); `now` is then its time. The call is written once, attributed as it rings, in one statement when
    nobody listens to its events (calls.signals).

    A call is never dropped because recording or attributing it failed: any error is logged, then the original
    number is dialed anyway. (When even the tracker lookup fails, the view errors and Twilio uses the number's
    fallback URL, which dials the original.)
    Status and recording callbacks come back to the provider's own webhooks (/telephony/<webhook_prefix>/…).
    """
    call_sid = params.get("CallSid", "")
    if inbound is _LOOK_UP:
        inbound = inbound_call_read(number=params.get("To", ""), caller_number=params.get("From", ""),
                                    call_sid=call_sid, at=now or timezone.now())
    if inbound is None:
        return twiml_reject()
    tracker = inbound.tracker
    now = inbound.at
    original = call_original_number(tracker)
    if inbound.caller_blocked:
        try:
            _call_insert(inbound=inbound, provider_call_id=call_sid, spam=True)
        except Exception:
            logger.exception("Recording blocked call %s to %s failed; rejecting it anyway.", call_sid, tracker.tracking_number)
        return twiml_reject_busy()
    try:
        call, created = _call_insert(inbound=inbound, provider_call_id=call_sid, attribution=_ring_attribution(inbound))
        if not created and call.attribution_method == Call.Method.NONE:
            _attribute_safely(call)
    except Exception:
        logger.exception("Recording call %s to %s failed; forwarding it anyway.", call_sid, tracker.tracking_number)
    caller_id = params.get("From", "")
    caller_id = caller_id if caller_id.startswith("+") else ""
    try:
        plan = call_flow_plan(tracker=tracker, original_number=original, now=now)
        urls = flow_urls(tracker.pool, webhook_prefix=webhook_prefix)
        if plan.branch == Branch.VOICEMAIL:
            urls = voicemail_urls(urls, account_id=tracker.pool.account_id, webhook_prefix=webhook_prefix)
        return twiml_for_plan(plan, urls=urls, caller_id=caller_id)
    except Exception:
        logger.exception("Planning the call flow of %s failed; dialling the original.", call_sid)
    return twiml_forward(
        original_number=original,
        status_url=f"{settings.PUBLIC_BASE_URL}/telephony/{webhook_prefix}/status",
        caller_id=caller_id if caller_id.startswith("+") else "",
        record=tracker.pool.record_calls,
        recording_url=f"{settings.PUBLIC_BASE_URL}/telephony/{webhook_prefix}/recording",
    )

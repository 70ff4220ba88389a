"""When a call is over: `call.completed` once its final state is known, `call.converted` whenever it becomes one.

Twilio reports a forwarded call as two legs whose end callbacks arrive in either order: the dialed leg (did the
business answer, the talk time) and the caller's leg (the total duration and the end). The first end makes the
call ended; it is *final* when the other leg reports too, or `CALL_SETTLE_SECONDS` after the first end (a lost
callback must not hold it back forever: `calls_settle_due`, scheduled every minute, finalizes those). Only a final
call is announced, so `call.completed` (and GA4) carry the talk time, the duration and the conversion together.

`call.converted` goes out once each time a call becomes a conversion: when it turns final as one, and when an
already final call becomes one later (a late leg's talk time, an outcome set by a marketer). A conversion rule
change re-labels history and announces nothing (calls.outcomes.website_conversions_recompute).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from calls.models import TERMINAL_STATUSES, Call
from calls.planner import plan_completion
from calls.selectors import call_ended_legs
from calls.signals import call_event

CALL_COMPLETED = "call.completed"
CALL_CONVERTED = "call.converted"
SETTLE_CHUNK = 500


def announce(call_id: int, event: str, *, ring_listeners: frozenset[str] | None = None) -> None:
    """Tell integrations now, inside the writing transaction: they write what must be sent as rows of this same
    transaction (an outbox) and only wake the worker once it commits; a rollback sends nothing.
    `ring_listeners`: for the events of a ringing call, who has anything to do (calls.signals)."""
    call_event.send(sender=Call, call_id=call_id, event=event, ring_listeners=ring_listeners)


def completion_changes(*, call: Call, was_status: str, was_settling: bool, now: datetime) -> tuple[dict, bool]:
    """After a status callback changed `call` (locked, in memory): (fields to save, whether it turned final now)."""
    is_ended = call.status in TERMINAL_STATUSES
    action = plan_completion(
        was_ended=was_status in TERMINAL_STATUSES, is_ended=is_ended, is_settling=was_settling,
        ended_legs=call_ended_legs(call=call) if is_ended else frozenset(), voicemail=call.voicemail,
    )
    if action == "settle":
        call.settles_at = now + timedelta(seconds=settings.CALL_SETTLE_SECONDS)
        return {"settles_at": call.settles_at}, False
    if action == "final":
        call.settles_at = None
        return ({"settles_at": None} if was_settling else {}), True
    return {}, False


def announce_final(call: Call) -> None:
    """The call just turned final (inside its transaction): `call.completed`, and `call.converted` if it is one."""
    announce(call.pk, CALL_COMPLETED)
    if call.is_conversion:
        announce(call.pk, CALL_CONVERTED)


def announce_if_converted(*, call: Call, was_final: bool, was_conversion: bool) -> None:
    """A call that was final already and has just become a conversion."""
    if was_final and call.is_conversion and not was_conversion:
        announce(call.pk, CALL_CONVERTED)


def calls_settle_due(*, now: datetime | None = None) -> int:
    """Finalize the ended calls whose other leg stayed silent past the settle window. Returns how many."""
    now = now or timezone.now()
    settled = 0
    while True:
        due = list(Call.objects.filter(settles_at__lte=now).order_by("settles_at", "id")
                   .values_list("id", flat=True)[:SETTLE_CHUNK])
        for call_id in due:
            with transaction.atomic():
                # Re-checked under the lock: the other leg may have finalized it meanwhile.
                call = Call.objects.select_for_update().filter(pk=call_id, settles_at__lte=now).first()
                if call is None:
                    continue
                call.settles_at = None
                call.save(update_fields=["settles_at"])
                announce_final(call)
                settled += 1
        if len(due) < SETTLE_CHUNK:
            return settled

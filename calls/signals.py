"""Call life-cycle events for integrations (webhooks, GA4), sent inside the transaction that changes the call.

Listeners write what must be sent as rows of that same transaction (an outbox: a rollback sends nothing, a
commit loses nothing) and do no network I/O; the worker sends the rows after commit (calls.completion.announce).

kwargs: call_id, event — one of "call.started", "call.completed" (once, when the call's final state is known:
calls.completion), "call.converted" (the call became a conversion: when it turns final as one, or later),
"call.attributed", "call.updated" (outcome, value or note changed), "call.recording_ready", "call.voicemail" (the
caller left a voicemail: sent once, after "call.recording_ready" for the same recording; a hook for notifications,
not a webhook type).

`calls_relabeled` (sent inside the writing transaction, no network): past calls of an account changed their
conversion, the earliest on `day` (account time zone) — kwargs account_id, day. The reports app re-rolls from there.
"""

from django.dispatch import Signal

call_event = Signal()
calls_relabeled = Signal()


# Who acts on the events of a ringing call (`call.started`, `call.attributed`). The caller waits on the voice
# webhook before the phone rings, so the webhook asks in its one tracker query (calls.selectors.inbound_call_read)
# instead of letting every receiver query: an app above calls that writes rows for those events registers, under
# its name, a boolean expression of the account id (an `OuterRef`) that says whether the account has anything for
# it to do, e.g. `Exists(WebhookEndpoint.objects.filter(account_id=account, is_enabled=True))`. The events still
# go out, with `ring_listeners`: the names whose expression was true (a registered receiver that is not named has
# nothing to do); when no name is, the call is written in one statement, without a transaction around it.
# `ring_listeners` is None when the sender did not ask (anything but the voice webhook): then everyone looks.
_ring_listeners: dict = {}


def register_ring_listener(name: str, wants_events_of_account) -> None:
    """`wants_events_of_account(account_id_ref)` → a boolean query expression (e.g. an `Exists`)."""
    _ring_listeners[name] = wants_events_of_account


def ring_listener_expressions(account_id_ref) -> dict:
    """{registered name: its expression for `account_id_ref`}, for the voice webhook's tracker query."""
    return {name: wants(account_id_ref) for name, wants in _ring_listeners.items()}


def ring_listener_names() -> tuple[str, ...]:
    return tuple(_ring_listeners)

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

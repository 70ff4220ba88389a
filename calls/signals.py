"""Call life-cycle events for integrations (webhooks, GA4), sent after the transaction commits.

kwargs: call_id, event — one of "call.started", "call.completed", "call.attributed".
"""

from django.dispatch import Signal

call_event = Signal()

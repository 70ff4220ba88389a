"""`rule_notification_created` (kwargs: notification_id), sent inside the run's transaction when a rule's `notify`
action wrote a RuleNotification row: the notifications sender connects here (and sweeps pending rows)."""

from django.dispatch import Signal

rule_notification_created = Signal()

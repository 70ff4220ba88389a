"""Signal receivers: call events and integration failures become outbox rows of the transaction that sent them.

A failure here is logged and undone (a savepoint) and never breaks the caller (a Twilio webhook, a delivery)."""

import logging

from django.db import transaction

from calls.models import Call
from notifications import services

logger = logging.getLogger(__name__)

CALL_EVENTS = frozenset({"call.completed", "call.converted"})


def on_call_event(sender, call_id, event, **kwargs):
    if event not in CALL_EVENTS:
        return
    try:
        with transaction.atomic():
            call = Call.objects.select_related("account").filter(pk=call_id).first()
            if call is not None:
                services.call_notifications_record(call=call, event=event)
    except Exception:
        logger.exception("Notifications failed for %s of call %s", event, call_id)


def on_integration_failing(sender, account_id, key, title, detail, **kwargs):
    try:
        with transaction.atomic():
            services.integration_alert_record(account_id=account_id, key=key, title=title, detail=detail)
    except Exception:
        logger.exception("Integration alert %s failed", key)


def on_rule_notification(sender, notification_id, **kwargs):
    """Inside the rule run's transaction: the rule's `notify` becomes this outbox's emails."""
    try:
        with transaction.atomic():
            services.rule_notifications_record(rule_notification_id=notification_id)
    except Exception:
        logger.exception("Rule notification %s failed", notification_id)

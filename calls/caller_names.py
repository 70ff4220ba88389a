"""Callers' names from the lookup of the provider the number was bought from (Twilio Lookup `caller_name`, Telnyx
Number Lookup `caller-name`, SignalWire Phone Number Lookup `cnam`), for accounts that turn it on
(`Account.lookup_caller_names`, off by default: each lookup is charged).

Never in the voice webhook: `call_start` queues `calls.tasks.lookup_caller_name` after commit and the worker asks
the cache (one CallerName row per account and number, fresh for CALLER_NAME_TTL) before the provider. A failed
lookup leaves the call without a name; it is not retried (the next call from that number asks again).
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from calls.models import Call, CallerName
from telephony.providers import ProviderError, provider_for_account

logger = logging.getLogger(__name__)

CALLER_NAME_TTL = timedelta(days=30)


def caller_name_cached(*, account, number: str, now: datetime) -> CallerName | None:
    return CallerName.objects.filter(account=account, number=number, looked_up_at__gt=now - CALLER_NAME_TTL).first()


def call_caller_name_fill(*, call_id: int, now: datetime | None = None) -> str:
    """Give call `call_id` its caller's name (cached, else looked up). Returns the name ('' when none)."""
    now = now or timezone.now()
    call = Call.objects.select_related("account", "tracker").filter(pk=call_id).first()
    if call is None or not call.caller_number or not call.account.lookup_caller_names:
        return ""
    cached = caller_name_cached(account=call.account, number=call.caller_number, now=now)
    if cached is None:
        provider_name = call.tracker.provider if call.tracker is not None else None
        try:
            answer = provider_for_account(call.account, name=provider_name).lookup_caller_name(number=call.caller_number)
        except ProviderError as exc:
            logger.warning("Caller name lookup for call %s failed: %s", call.provider_call_id, exc)
            return ""
        cached, _ = CallerName.objects.update_or_create(
            account=call.account, number=call.caller_number,
            defaults={"caller_name": answer.name, "caller_type": answer.caller_type, "looked_up_at": now})
    if cached.caller_name and cached.caller_name != call.caller_name:
        with transaction.atomic():
            Call.objects.filter(pk=call.pk).update(caller_name=cached.caller_name)
    return cached.caller_name

"""Call events that run the rules: the call's final state is known (`call.completed`) and its transcript arrived
(`call.transcript_ready`). Heard inside the call's transaction; the worker runs the rules after it commits."""

import logging

from automation.models import AutomationRule, RuleRun
from calls.models import Call
from core.queue import wake_on_commit

logger = logging.getLogger(__name__)

TRIGGERS = {"call.completed": RuleRun.Trigger.COMPLETED, "call.transcript_ready": RuleRun.Trigger.TRANSCRIPT}


def on_call_event(sender, call_id, event, **kwargs):
    trigger = TRIGGERS.get(event)
    if trigger is None:
        return
    account_id = Call.objects.filter(pk=call_id).values_list("account_id", flat=True).first()
    if account_id is None or not AutomationRule.objects.filter(account_id=account_id, enabled=True).exists():
        return  # nothing to run: no task
    # A broker that is down is logged, never raised into the provider's callback (core.queue.wake_on_commit).
    wake_on_commit("automation.tasks.run_rules", call_id, trigger.value)

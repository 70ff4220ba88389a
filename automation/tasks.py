"""django-q2 entry points of automation rules (dotted paths are stored in queued tasks: keep them stable)."""

from automation.services import rule_apply_run, rules_run


def run_rules(call_id: int, trigger: str) -> bool:
    """The call reached its final state ("completed") or got its transcript ("transcript")."""
    return rules_run(call_id=call_id, trigger=trigger) is not None


def apply_rule(job_id: int) -> int:
    job = rule_apply_run(job_id=job_id)
    return job.processed if job else 0

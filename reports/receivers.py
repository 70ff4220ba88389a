"""The reports app listens to calls: past calls that change their conversion are re-rolled."""

from calls.signals import calls_relabeled
from reports.services import rollup_invalidate


def _calls_relabeled(sender, *, account_id, day, **kwargs):
    rollup_invalidate(account_id=account_id, day=day)


def connect() -> None:
    calls_relabeled.connect(_calls_relabeled, dispatch_uid="reports.rollup_invalidate")

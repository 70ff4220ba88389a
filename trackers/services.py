"""Writes for call trackers. Every status or assignment change goes through here and leaves a history row."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.actors import actor_fields
from core.error_codes import (
    CONFLICT,
    INVALID,
    INVALID_PHONE,
    INVALID_STATUS,
    NOT_MANUAL,
    NUMBER_IN_USE,
    RETIRED,
    TRACKER_DELETED,
)
from core.errors import DomainError
from core.phones import parse_phone
from core.queue import enqueue_on_commit
from telephony.call_flow import call_flow_clean
from trackers.models import CallTracker, TrackerStatusChange
from trackers.signals import tracker_status_changed

Status = CallTracker.Status


def _record(*, tracker: CallTracker, from_status: str, actor, reason: str, now: datetime, notify: bool = True) -> None:
    TrackerStatusChange.objects.create(
        tracker=tracker,
        from_status=from_status,
        to_status=tracker.status if not tracker.deleted_at else "deleted",
        source=tracker.source,
        medium=tracker.medium,
        original_number=tracker.original_number,
        **actor_fields(actor),
        reason=reason[:300],
        created_at=now,
    )
    if not notify:  # a rename is history, not a status change for webhook receivers
        return
    tracker_id, to_status = tracker.pk, (tracker.status if not tracker.deleted_at else "deleted")
    transaction.on_commit(
        lambda: tracker_status_changed.send(
            sender=CallTracker, tracker_id=tracker_id, from_status=from_status, to_status=to_status, reason=reason
        )
    )


@transaction.atomic
def tracker_add(*, pool, tracking_number: str, status: str = Status.AVAILABLE, source: str = "", medium: str = "",
                provider: str = "manual", provider_number_id: str = "", fallback_number: str = "", actor=None,
                reason: str = "added", now: datetime | None = None) -> CallTracker:
    """Add a tracker to `pool`. `tracking_number` may be in any form the account's region can read."""
    now = now or timezone.now()
    try:
        number = parse_phone(tracking_number, pool.account.default_region)
    except ValidationError as exc:
        raise DomainError(INVALID_PHONE, exc.messages[0], {"tracking_number": exc.messages}) from None
    if CallTracker.objects.live().filter(tracking_number=number).exists():
        raise DomainError(NUMBER_IN_USE, f"{number} is already a live tracking number.", {"tracking_number": ["Already in use."]})
    tracker = CallTracker(
        pool=pool, tracking_number=number, status=status, source=source, medium=medium,
        provider=provider, provider_number_id=provider_number_id, fallback_number=fallback_number,
    )
    if status == Status.ACTIVE:
        tracker.original_number = pool.original_number
        tracker.activated_at = now
    elif status == Status.FLAGGED:
        tracker.original_number = pool.original_number
        tracker.flagged_at = now
    try:
        tracker.full_clean()
    except ValidationError as exc:
        # A concurrent add of the same number fails here (the unique constraint is validated), not at save.
        code = NUMBER_IN_USE if "trackers_calltracker_one_live_per_number" in str(exc) else INVALID
        raise DomainError(code, exc.messages[0], getattr(exc, "message_dict", None)) from None
    try:
        with transaction.atomic():
            tracker.save()
    except IntegrityError:
        raise DomainError(NUMBER_IN_USE, f"{number} is already a live tracking number.", {"tracking_number": ["Already in use."]}) from None
    _record(tracker=tracker, from_status="", actor=actor, reason=reason, now=now)
    return tracker


@transaction.atomic
def tracker_set_status(*, tracker: CallTracker, status: str, actor=None,
                       reason: str, source: str | None = None, medium: str | None = None,
                       now: datetime | None = None) -> CallTracker:
    """Move a tracker to `status`. Activation freezes the pool's current original number on the tracker.

    The update is conditional on the status we read, so two concurrent changes cannot both win.
    """
    now = now or timezone.now()
    if status not in Status.values:
        raise DomainError(INVALID_STATUS, f"“{status}” is not a tracker status.", {"status": ["Choose active, flagged or available."]})
    if tracker.deleted_at:
        raise DomainError(TRACKER_DELETED, f"{tracker} was deleted and its number released.")
    old_status = tracker.status
    changes: dict = {"status": status}
    if source is not None:
        changes["source"] = source
    if medium is not None:
        changes["medium"] = medium
    if status == Status.ACTIVE and old_status != Status.ACTIVE:
        if old_status == Status.AVAILABLE:
            changes["original_number"] = tracker.pool.original_number
            changes["activated_at"] = now
        changes["flagged_at"] = None
    elif status == Status.FLAGGED and old_status != Status.FLAGGED:
        changes["flagged_at"] = now
        if not tracker.original_number:
            changes["original_number"] = tracker.pool.original_number
    elif status == Status.AVAILABLE:
        changes["flagged_at"] = None
        # Available trackers forward to the pool's current original; the next activation freezes it again.
        changes["original_number"] = ""
        if source is None:
            changes["source"] = ""
        if medium is None:
            changes["medium"] = ""
    updated = CallTracker.objects.filter(pk=tracker.pk, status=old_status, deleted_at__isnull=True).update(**changes)
    if updated != 1:
        raise DomainError(CONFLICT, f"{tracker} changed while this change was being made; reload and try again.")
    for field, value in changes.items():
        setattr(tracker, field, value)
    _record(tracker=tracker, from_status=old_status, actor=actor, reason=reason, now=now)
    return tracker


@transaction.atomic
def tracker_set_assignment(*, tracker: CallTracker, source: str, medium: str, actor=None, reason: str = "source/medium changed",
                           now: datetime | None = None) -> CallTracker:
    now = now or timezone.now()
    if (tracker.source, tracker.medium) == (source, medium):
        return tracker
    CallTracker.objects.filter(pk=tracker.pk).update(source=source, medium=medium)
    tracker.source, tracker.medium = source, medium
    _record(tracker=tracker, from_status=tracker.status, actor=actor, reason=reason, now=now)
    return tracker


@transaction.atomic
def tracker_rename(*, tracker: CallTracker, name: str, actor=None, now: datetime | None = None) -> bool:
    """A label for people; any pool's tracker may be named (the rules engine never reads it). True if it changed."""
    name = name.strip()[:100]
    if name == tracker.name:
        return False
    CallTracker.objects.filter(pk=tracker.pk).update(name=name)
    tracker.name = name
    _record(tracker=tracker, from_status=tracker.status, actor=actor, reason=f"renamed “{name}”" if name else "name removed",
            now=now or timezone.now(), notify=False)
    return True


@transaction.atomic
def tracker_set_call_flow(*, tracker: CallTracker, call_flow, actor=None, now: datetime | None = None) -> CallTracker:
    """Override the pool's call flow for this number (`None`: the pool's again). Any pool's tracker may have one."""
    if tracker.deleted_at:
        raise DomainError(TRACKER_DELETED, f"{tracker} was deleted and its number released.")
    flow = call_flow_clean(call_flow, region=tracker.pool.account.default_region)
    if flow == tracker.call_flow:
        return tracker
    CallTracker.objects.filter(pk=tracker.pk).update(call_flow=flow)
    tracker.call_flow = flow
    _record(tracker=tracker, from_status=tracker.status, actor=actor,
            reason="own call flow set" if flow is not None else "call flow: the pool's", now=now or timezone.now(),
            notify=False)
    return tracker


def tracker_update(*, tracker: CallTracker, status: str | None = None, source: str | None = None,
                   medium: str | None = None, actor=None, reason: str,
                   now: datetime | None = None) -> CallTracker:
    """A change by hand (admin, API, dashboard): status and/or source/medium.

    Only manual pools' trackers change by hand (the rules engine owns automated pools), and a retired
    pool's trackers don't change at all; every face gets the same DomainError."""
    pool = tracker.pool
    if not pool.is_manual:
        raise DomainError(NOT_MANUAL, "Trackers of automated pools are changed by the rules engine, not by hand.")
    if pool.retired_at is not None:
        raise DomainError(RETIRED, f"{pool} is retired: its trackers can no longer be changed.")
    if tracker.deleted_at:
        raise DomainError(TRACKER_DELETED, f"{tracker} was deleted and its number released.")
    if status is not None and status != tracker.status:
        return tracker_set_status(tracker=tracker, status=status, source=source, medium=medium, actor=actor,
                                  reason=reason, now=now)
    if source is not None or medium is not None:
        return tracker_set_assignment(
            tracker=tracker, source=tracker.source if source is None else source,
            medium=tracker.medium if medium is None else medium,
            actor=actor, reason=reason, now=now,
        )
    return tracker


@transaction.atomic
def tracker_set_original(*, tracker: CallTracker, original_number: str, actor=None,
                         reason: str = "original number reassigned", now: datetime | None = None) -> CallTracker:
    """Point a tracker at another original number (the pool's new one). Only when asked: activation
    freezes the number so that changing the pool's number affects only later activations."""
    now = now or timezone.now()
    if tracker.deleted_at or tracker.original_number == original_number:
        return tracker
    CallTracker.objects.filter(pk=tracker.pk).update(original_number=original_number)
    tracker.original_number = original_number
    _record(tracker=tracker, from_status=tracker.status, actor=actor, reason=reason, now=now)
    return tracker


def tracker_delete(*, tracker: CallTracker, actor=None, reason: str,
                   now: datetime | None = None) -> CallTracker:
    """Retire a tracker and release its number. The row stays so calls keep their tracker."""
    now = now or timezone.now()
    with transaction.atomic():
        updated = CallTracker.objects.filter(pk=tracker.pk, deleted_at__isnull=True).update(deleted_at=now)
        if updated != 1:
            return tracker
        tracker.deleted_at = now
        _record(tracker=tracker, from_status=tracker.status, actor=actor, reason=reason, now=now)
        account = tracker.pool.account
        provider_name, provider_id = tracker.provider, tracker.provider_number_id
        _release_number(account=account, provider=provider_name, provider_id=provider_id)
    return tracker


def _release_number(*, account, provider: str, provider_id: str) -> None:
    if not provider_id or provider == "manual":
        return
    enqueue_on_commit("trackers.tasks.release_number", account.pk, provider, provider_id)

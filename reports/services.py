"""Writes of reports: the daily rollup that keeps report pages and the API fast with millions of calls and visits."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Account
from reports.aggregates import COUNT_FIELDS, DIMENSIONS, call_counts, report_calls, report_visits
from reports.models import ReportDay, RollupState
from reports.retention import retained_visit_counts

# Calls keep changing for a while after they start (status callbacks, late attribution): re-roll recent days.
REFRESH_DAYS = 3
ROLLED_CALL_FIELDS = tuple(field for field in COUNT_FIELDS if field != "visits")


def _keys(values: dict, fields: tuple[str, ...]) -> tuple[str, str]:
    parts = [values[field] or "" for field in fields]
    return (parts[0], parts[1] if len(parts) > 1 else "")


def rollup_refresh(*, account: Account, through: date | None = None, full: bool = False) -> int:
    """Recompute ReportDay rows for the account's days before `through` (default: today in the account's zone)
    that may have changed: all of them with `full` or on the first run, else the last REFRESH_DAYS.
    Returns the number of rows written."""
    zone = ZoneInfo(account.timezone)
    through = through or timezone.now().astimezone(zone).date()
    state = RollupState.objects.filter(account=account).first()
    since = None if (full or state is None) else min(state.rolled_through, through) - timedelta(days=REFRESH_DAYS)
    end = datetime.combine(through, time.min, tzinfo=zone)
    start = datetime.combine(since, time.min, tzinfo=zone) if since else datetime(1970, 1, 1, tzinfo=zone)

    rows: dict[tuple, dict] = {}
    for spec in DIMENSIONS.values():
        calls = (
            report_calls(account=account, start=start, end=end)
            .annotate(day=TruncDate("started_at", tzinfo=zone), site=F("pool__website_id"))
            .values("site", "day", *spec.call_fields)
            .annotate(**call_counts())
        )
        for group in calls:
            row = rows.setdefault((group["site"], group["day"], spec.name, *_keys(group, spec.call_fields)), {})
            row.update({field: group[field] or 0 for field in ROLLED_CALL_FIELDS})
        if spec.visit_fields:
            visits = (
                report_visits(account=account, start=start, end=end)
                .annotate(day=TruncDate("started_at", tzinfo=zone))
                .values("website_id", "day", *spec.visit_fields)
                .annotate(visits=Count("id"))
            )
            for group in visits:
                key = (group["website_id"], group["day"], spec.name, *_keys(group, spec.visit_fields))
                rows.setdefault(key, {})["visits"] = group["visits"]

    # Days whose raw visits retention deleted keep the visit counts rolled up before (reports.retention).
    for key, visits in retained_visit_counts(account=account, since=since, through=through).items():
        rows.setdefault(key, {})["visits"] = visits

    objects = [
        ReportDay(account=account, website_id=site, day=day, dimension=dimension, key1=key1, key2=key2, **counts)
        for (site, day, dimension, key1, key2), counts in rows.items()
    ]
    with transaction.atomic():
        stale = ReportDay.objects.filter(account=account, day__lt=through)
        if since:
            stale = stale.filter(day__gte=since)
        stale.delete()
        ReportDay.objects.bulk_create(objects, batch_size=5000)
        reached = through
        if state is not None:
            # Calls relabeled while this ran (rollup_invalidate moved the state back): those days stay live.
            now_at = RollupState.objects.select_for_update().filter(pk=state.pk).values_list("rolled_through", flat=True).first()
            if now_at is not None and now_at < state.rolled_through:
                reached = min(through, now_at)
        RollupState.objects.update_or_create(account=account, defaults={"rolled_through": reached, "refreshed_at": timezone.now()})
    return len(objects)


def rollup_invalidate(*, account_id: int, day: date) -> bool:
    """Past calls changed on `day` (account time zone): reports read from that day on live, and the next
    rollup_refresh re-rolls it (it restarts REFRESH_DAYS before rolled_through). True when the rollup moved back."""
    return bool(RollupState.objects.filter(account_id=account_id, rolled_through__gt=day).update(rolled_through=day))


def rollup_refresh_days(*, account: Account, days) -> int:
    """Re-roll `days` (dates in the account's zone) whose calls or visits changed after they were rolled up — e.g.
    keywords filled in later from Google Ads. Days not rolled yet are read live anyway: nothing to do then.
    Returns the number of rows written."""
    changed = sorted(set(days))
    if not changed or not rollup_invalidate(account_id=account.pk, day=changed[0]):
        return 0
    return rollup_refresh(account=account)


def rollup_all(*, full: bool = False) -> int:
    return sum(rollup_refresh(account=account, full=full) for account in Account.objects.all())

"""Retention: raw rows older than VISIT_RETENTION_DAYS are deleted, in batches, once the rollups hold their days.

What goes: visits (with their page views and leases, which belong to them), the visitors left without any visit,
and the provider callbacks (CallEvent) received before the cutoff. What stays: calls, forever, with their
attribution snapshot (Call.source, medium, campaign, term, landing_page, landing_page_key, channel, gclid: copied
from the visit when the call is attributed); `Call.visit` becomes empty (SET_NULL) when its visit goes, so a
call's source, campaign, keyword and landing page never depend on the visit, and old calls read in reports exactly
as before. The rollups stay too: ReportDay (reports), and SourceDay (the rules engine's daily counts) for as long as
retention or the longest visit window of the website's pools, whichever reaches further back.

A visit is deleted only when the rollups hold its day: before its account's RollupState.rolled_through (reports,
in the account's zone), before its website's SourceDayRollup.rolled_through (UTC) and before the day that the
daily peaks of the website's visitor pools are rolled up to (pools.peaks, PoolPeakRollup.rolled_until: its leases
go with it, their peaks stay). This module only reads them.

Batches: each is one short transaction over at most `batch_size` visits (or calls' events), found through an index
(attr_visit_top_idx for humans, attr_visit_bot_idx for bots, calls_account_started_idx for calls); no lock is held
between batches and a run stopped anywhere resumes where it was (the deleted rows are gone; call events continue
from RetentionState.call_events_purged_before).
"""

import time as clock
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from accounts.models import Account, Website
from attribution.models import PageView, RetentionState, SourceDayRollup, Visit, Visitor
from attribution.source_counts import source_days_purge
from calls.models import Call, CallEvent
from pools.models import Pool
from pools.peaks import pools_peaks_rolled_until
from pools.selectors import website_visit_windows
from reports.models import ReportDay, RollupState
from trackers.models import Lease

BATCH_SIZE = 1000


@dataclass
class PurgeCounts:
    """What a run deleted (or, dry, would delete)."""

    visits: int = 0
    page_views: int = 0
    leases: int = 0
    visitors: int = 0  # dry runs do not count them: a visitor goes when its last visit does
    call_events: int = 0
    source_days: int = 0  # the rules engine's daily source counts (SourceDay rows), see _source_days_purge
    batches: int = 0
    finished: bool = True  # False: the time budget ran out, the next run goes on
    accounts: list[int] = field(default_factory=list)

    def add(self, other: "PurgeCounts") -> None:
        for f in fields(self):
            if f.name not in ("finished", "accounts"):
                setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


def retention_cutoff(*, now: datetime) -> datetime:
    return now - timedelta(days=settings.VISIT_RETENTION_DAYS)


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def account_visits_cutoff(*, account: Account, now: datetime) -> datetime | None:
    """Visits of `account` started before this may go: the start of the day (account time zone) the retention
    period reaches back to, or of the first day the reports rollup does not hold if that is earlier. Always a
    midnight of the account's zone, so a ReportDay day has all its raw visits or none. None while the account has
    no rollup (nothing of its visits may go)."""
    rolled_through = RollupState.objects.filter(account=account).values_list("rolled_through", flat=True).first()
    if rolled_through is None:
        return None
    zone = ZoneInfo(account.timezone)
    return _day_start(min(retention_cutoff(now=now).astimezone(zone).date(), rolled_through), zone)


def website_visits_cutoff(*, website: Website, account_cutoff: datetime) -> datetime | None:
    """…or the start of the account's day in which the website's daily source counts (UTC days) end, or in which the
    daily peaks of one of its visitor pools are rolled up to (pools.peaks: the leases go with their visits), if
    earlier. None: not counted, or a visitor pool not rolled up, yet."""
    counted_through = SourceDayRollup.objects.filter(website=website).values_list("rolled_through", flat=True).first()
    if counted_through is None:
        return None
    zone = account_cutoff.tzinfo
    assert isinstance(zone, ZoneInfo)
    counted_end = datetime.combine(counted_through, time.min, tzinfo=UTC).astimezone(zone)
    cutoff = min(account_cutoff, _day_start(counted_end.date(), zone))
    visitor_pools = list(Pool.objects.filter(website=website, tracking=Pool.Tracking.VISITOR).values_list("pk", flat=True))
    peaks_rolled = pools_peaks_rolled_until(pool_ids=visitor_pools)
    if len(peaks_rolled) < len(visitor_pools):
        return None
    return min([cutoff, *(_day_start(until.astimezone(zone).date(), zone) for until in peaks_rolled.values())])


def retained_visit_counts(*, account: Account, since: date | None, through: date) -> dict[tuple, int]:
    """For reports.services.rollup_refresh: the visit counts of the ReportDay rows of days whose raw visits are
    gone (before RetentionState.visits_purged_before, a midnight of the account's zone), in [since, through).
    A re-roll of those days (`--full`, or a conversion change moving the rollup back) keeps them instead of
    counting the visits that are no longer there. Keyed like rollup_refresh's rows."""
    purged_before = RetentionState.objects.filter(account=account).values_list("visits_purged_before", flat=True).first()
    if purged_before is None:
        return {}
    last = min(purged_before.astimezone(ZoneInfo(account.timezone)).date(), through)
    rows = ReportDay.objects.filter(account=account, day__lt=last, visits__gt=0)
    if since is not None:
        rows = rows.filter(day__gte=since)
    return {
        (row["website_id"], row["day"], row["dimension"], row["key1"], row["key2"]): row["visits"]
        for row in rows.values("website_id", "day", "dimension", "key1", "key2", "visits")
    }


def retention_purge(*, now: datetime, dry_run: bool = False, account: Account | None = None,
                    batch_size: int = BATCH_SIZE, budget_seconds: float | None = None) -> PurgeCounts:
    """Delete every raw row past retention whose days the rollups hold (every account, or `account`)."""
    deadline = None if budget_seconds is None else clock.monotonic() + budget_seconds
    total = PurgeCounts()
    accounts = [account] if account is not None else list(Account.objects.order_by("pk"))
    for acc in accounts:
        counts = _account_purge(account=acc, now=now, dry_run=dry_run, batch_size=batch_size, deadline=deadline)
        total.add(counts)
        if counts.visits or counts.call_events:
            total.accounts.append(acc.pk)
        if not counts.finished:
            total.finished = False
            break
    return total


def _over(deadline: float | None) -> bool:
    return deadline is not None and clock.monotonic() > deadline


def _account_purge(*, account: Account, now: datetime, dry_run: bool, batch_size: int, deadline: float | None) -> PurgeCounts:
    counts = PurgeCounts()
    account_cutoff = account_visits_cutoff(account=account, now=now)
    if account_cutoff is not None:
        if not _account_visits_purge(account=account, cutoff=account_cutoff, now=now, dry_run=dry_run,
                                     batch_size=batch_size, deadline=deadline, counts=counts):
            counts.finished = False
            return counts
    events = _call_events_purge(account=account, now=now, dry_run=dry_run, batch_size=batch_size, deadline=deadline)
    counts.add(events)
    counts.finished = events.finished and _source_days_purge(account=account, now=now, dry_run=dry_run,
                                                             batch_size=batch_size, deadline=deadline, counts=counts)
    return counts


def _account_visits_purge(*, account: Account, cutoff: datetime, now: datetime, dry_run: bool, batch_size: int,
                          deadline: float | None, counts: PurgeCounts) -> bool:
    """The account's visits past `cutoff`, website by website (each up to where its source counts reach).
    False: the time budget ran out."""
    purged_before: datetime | None = cutoff  # every website's visits before it are gone (None: not all counted)
    for website in Website.objects.filter(account=account).order_by("pk"):
        website_cutoff = website_visits_cutoff(website=website, account_cutoff=cutoff)
        if website_cutoff is None:
            purged_before = None
            continue
        purged_before = min(purged_before, website_cutoff) if purged_before else None
        for is_bot in (False, True):
            old = Visit.objects.filter(website=website, is_bot=is_bot, started_at__lt=website_cutoff)
            if dry_run:
                counts.visits += old.count()
                counts.page_views += PageView.objects.filter(visit__in=old).count()
                counts.leases += Lease.objects.filter(visit__in=old).count()
                continue
            while not _over(deadline):
                if not _visits_batch_delete(old=old, batch_size=batch_size, counts=counts):
                    break
            else:
                return False
    if not dry_run and purged_before is not None:
        _state_advance(account=account, now=now, visits_purged_before=purged_before)
    return True


def _visits_batch_delete(*, old, batch_size: int, counts: PurgeCounts) -> bool:
    """Delete the oldest `batch_size` of `old` (with what cascades from them) in one transaction. False: none left."""
    batch = list(old.order_by("started_at", "pk").values_list("pk", "visitor_id")[:batch_size])
    if not batch:
        return False
    visit_ids = [pk for pk, _ in batch]
    visitor_ids = {visitor for _, visitor in batch}
    with transaction.atomic():
        # The ORM's delete: leases and page views go with their visits, calls and exhaustion events keep theirs
        # with an empty link (SET_NULL), whatever else points at a visit later is handled the same way.
        _, deleted = Visit.objects.filter(pk__in=visit_ids).delete()
        has_visit = Visit.objects.filter(visitor=OuterRef("pk"))
        _, orphans = Visitor.objects.filter(pk__in=visitor_ids).exclude(Exists(has_visit)).delete()
    counts.visits += deleted.get(Visit._meta.label, 0)
    counts.page_views += deleted.get(PageView._meta.label, 0)
    counts.leases += deleted.get(Lease._meta.label, 0)
    counts.visitors += orphans.get(Visitor._meta.label, 0)
    counts.batches += 1
    return True


def _call_events_purge(*, account: Account, now: datetime, dry_run: bool, batch_size: int,
                       deadline: float | None) -> PurgeCounts:
    """Provider callbacks received before the cutoff, walked by their calls' start (calls_account_started_idx) from
    where the last run stopped."""
    counts = PurgeCounts()
    cutoff = retention_cutoff(now=now)
    since = RetentionState.objects.filter(account=account).values_list("call_events_purged_before", flat=True).first()
    calls = Call.objects.filter(account=account, started_at__lt=cutoff)
    if since is not None:
        calls = calls.filter(started_at__gte=since)
    if dry_run:
        counts.call_events = CallEvent.objects.filter(call__in=calls, received_at__lt=cutoff).count()
        return counts
    after: tuple[datetime, int] | None = None
    while True:
        if _over(deadline):
            counts.finished = False
            return counts
        page = calls if after is None else calls.filter(Q(started_at__gt=after[0]) | Q(started_at=after[0], pk__gt=after[1]))
        batch = list(page.order_by("started_at", "pk").values_list("started_at", "pk")[:batch_size])
        if not batch:
            break
        with transaction.atomic():
            deleted, _ = CallEvent.objects.filter(call_id__in=[pk for _, pk in batch], received_at__lt=cutoff).delete()
            # Resumable: the next run starts at this batch's last call (a few calls looked at twice, none skipped).
            _state_advance(account=account, now=now, call_events_purged_before=batch[-1][0])
        counts.call_events += deleted
        counts.batches += 1
        after = batch[-1]
    _state_advance(account=account, now=now, call_events_purged_before=cutoff)
    return counts


def _source_days_purge(*, account: Account, now: datetime, dry_run: bool, batch_size: int, deadline: float | None,
                       counts: PurgeCounts) -> bool:
    """The daily source counts (SourceDay, UTC days) past retention, website by website; the days a pool of the
    website still reads (its visit window may reach further back than retention) stay. False: out of time."""
    websites = list(Website.objects.filter(account=account).order_by("pk").values_list("pk", flat=True))
    windows = website_visit_windows(website_ids=websites)
    for website_id in websites:
        before = min(retention_cutoff(now=now), now - timedelta(days=windows.get(website_id, 0))).astimezone(UTC).date()
        deleted, finished = source_days_purge(website_id=website_id, before=before, batch_size=batch_size,
                                              deadline=deadline, dry_run=dry_run)
        counts.source_days += deleted
        if not finished:
            return False
    return True


def _state_advance(*, account: Account, now: datetime, **marks: datetime) -> None:
    """Move the account's RetentionState marks forward (never back)."""
    state, _ = RetentionState.objects.get_or_create(account=account, defaults={"updated_at": now})
    changed = {name: value for name, value in marks.items() if getattr(state, name) is None or getattr(state, name) < value}
    if changed:
        RetentionState.objects.filter(pk=state.pk).update(updated_at=now, **changed)

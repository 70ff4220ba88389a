"""Writes of reports: the daily rollup that keeps report pages and the API fast with millions of calls and visits."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from django.db import OperationalError, connection, transaction
from django.db.models import Count, F, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.models import Account, Website
from attribution.models import Visit
from calls.models import TERMINAL_STATUSES, Call
from reports.aggregates import COUNT_FIELDS, DIMENSIONS, call_counts, report_calls, report_visits
from reports.attribution_models import CREDIT_COUNTS, credit_groups
from reports.models import (
    SPAN_DAYS,
    CreditDay,
    ReportDay,
    ReportSpan,
    RollupProgress,
    RollupState,
    span_start,
)
from reports.retention import retained_visit_counts

# Calls keep changing for a while after they start (status callbacks, late attribution): re-roll recent days.
REFRESH_DAYS = 3
# Today is rolled up to this long ago (rollup_today): a call or visit still being written started before that.
TODAY_MARGIN = timedelta(minutes=2)
# Calls not final yet hold today's partial rollup back to their start, unless they started longer ago than this
# (a lost callback must not keep the day live).
UNSETTLED_WINDOW = timedelta(hours=6)
# A rollup chunk aims at this many seconds (the worker's task timeout is Q_CLUSTER["timeout"], 60 s).
CHUNK_TARGET_SECONDS = 5.0
CHUNK_MAX_DAYS = 92
ROLLED_CALL_FIELDS = tuple(field for field in COUNT_FIELDS if field != "visits")


def _keys(values: dict, fields: tuple[str, ...]) -> tuple[str, str]:
    parts = [values[field] or "" for field in fields]
    return (parts[0], parts[1] if len(parts) > 1 else "")


@dataclass(frozen=True)
class RollupChunk:
    rows: int            # ReportDay rows written by this chunk
    days: tuple[date, date] | None  # [first, after last) re-rolled; None when there was nothing to do
    done: bool           # the pass reached its `through`
    busy: bool = False   # another worker holds this account's pass: nothing was done


def rollup_refresh(*, account: Account, through: date | None = None, full: bool = False) -> int:
    """Recompute ReportDay rows for the account's days before `through` (default: today in the account's zone)
    that may have changed: every day with calls or visits with `full` or on the first run, else the last
    REFRESH_DAYS. Runs the pass's chunks to the end (rollup_refresh_chunk), then, without `through`, today's
    partial rollup (rollup_today); returns the number of rows written."""
    rows = 0
    chunk = rollup_refresh_chunk(account=account, through=through, full=full)
    while True:
        rows += chunk.rows
        if chunk.busy:
            return rows
        if chunk.done:
            return rows + (rollup_today(account=account) if through is None else 0)
        chunk = rollup_refresh_chunk(account=account)


def rollup_refresh_chunk(*, account: Account, through: date | None = None, full: bool = False) -> RollupChunk:
    """One step of the account's rollup pass, in its own transaction: re-roll the next few days and move the
    pass's cursor (RollupProgress) past them. A pass is started when none is under way (or with `full`): from the
    first day with calls or visits (`full`, or no rollup yet), else REFRESH_DAYS before the rolled day. A worker
    killed mid-pass loses at most one chunk; the next call continues where the cursor is.

    Chunks are sized in days so that one takes about CHUNK_TARGET_SECONDS (the size adapts to the account's
    traffic), far inside the worker's task timeout."""
    zone = ZoneInfo(account.timezone)
    with transaction.atomic():
        progress = _progress_locked(account)
        if progress is False:
            return RollupChunk(rows=0, days=None, done=False, busy=True)
        if progress is None or full:
            progress = _pass_start(account=account, zone=zone, through=through, full=full)
        first = progress.next_day
        last = min(first + timedelta(days=progress.chunk_days), progress.through)
        if first >= last:
            _state_reach(account=account, first=first, last=progress.through, before=None)
            progress.delete()
            return RollupChunk(rows=0, days=None, done=True)
        before = RollupState.objects.filter(account=account).values_list("rolled_through", flat=True).first()
        started = monotonic()
        objects = _rollup_rows(account=account, zone=zone, first=first, last=last)
        credits = _credit_rows(account=account, zone=zone, first=first, last=last)
        ReportDay.objects.filter(account=account, day__gte=first, day__lt=last).delete()
        ReportDay.objects.bulk_create(objects, batch_size=5000)
        CreditDay.objects.filter(account=account, day__gte=first, day__lt=last).delete()
        CreditDay.objects.bulk_create(credits, batch_size=5000)
        rollup_spans_write(account=account, first=first, last=last, whole_until=max(last, before or last))
        _state_reach(account=account, first=first, last=last, before=before)
        elapsed = monotonic() - started
        done = last >= progress.through
        if done:
            progress.delete()
        else:
            progress.next_day = last
            progress.chunk_days = next_chunk_days(days=progress.chunk_days, seconds=elapsed)
            progress.save(update_fields=["next_day", "chunk_days", "updated_at"])
    return RollupChunk(rows=len(objects), days=(first, last), done=done)


def next_chunk_days(*, days: int, seconds: float) -> int:
    """The next chunk's size in days: scaled toward CHUNK_TARGET_SECONDS, at most doubled, within 1..CHUNK_MAX_DAYS.
    Pure."""
    if seconds <= 0:
        return min(CHUNK_MAX_DAYS, days * 2)
    scaled = int(days * CHUNK_TARGET_SECONDS / seconds)
    return max(1, min(CHUNK_MAX_DAYS, days * 2, scaled))


def _progress_locked(account: Account):
    """The account's pass cursor locked for this transaction; None when no pass is under way; False when another
    worker holds it."""
    try:
        with transaction.atomic():  # a savepoint: the refused lock must not abort the caller's transaction
            return RollupProgress.objects.select_for_update(nowait=True).filter(account=account).first()
    except OperationalError:
        return False


def _pass_start(*, account: Account, zone: ZoneInfo, through: date | None, full: bool) -> RollupProgress:
    through = through or timezone.now().astimezone(zone).date()
    state = RollupState.objects.filter(account=account).first()
    if full or state is None:
        since = _first_activity_day(account=account, zone=zone) or through
    else:
        since = min(state.rolled_through, through) - timedelta(days=REFRESH_DAYS)
    progress, _ = RollupProgress.objects.update_or_create(
        account=account, defaults={"next_day": min(since, through), "through": through})
    return progress


def _first_activity_day(*, account: Account, zone: ZoneInfo) -> date | None:
    """The account's first day (its zone) with a call or a human visit: a full pass starts there, not in 1970."""
    moments = [Call.objects.filter(account=account).aggregate(first=Min("started_at"))["first"]]
    for website_id in Website.objects.filter(account=account).values_list("id", flat=True):
        moments.append(Visit.objects.filter(website_id=website_id, is_bot=False).aggregate(first=Min("started_at"))["first"])
    found = [moment for moment in moments if moment is not None]
    return min(found).astimezone(zone).date() if found else None


def _state_reach(*, account: Account, first: date, last: date, before: date | None) -> None:
    """Days [first, last) are rolled: move RollupState.rolled_through to `last` when the rolled days reach `first`.
    A rollup_invalidate while the chunk ran (the state moved back from `before`) wins: those days stay live."""
    state = RollupState.objects.select_for_update().filter(account=account).first()
    if state is None:
        RollupState.objects.create(account=account, rolled_through=last, refreshed_at=timezone.now())
        return
    reached = state.rolled_through
    moved_back = before is not None and state.rolled_through < before
    if not moved_back and state.rolled_through >= first:
        reached = max(state.rolled_through, last)
    changes: dict = {"rolled_through": reached, "refreshed_at": timezone.now()}
    if reached != state.rolled_through or first <= state.rolled_through < last:
        changes["partial_until"] = None  # the partial day is behind the rolled days now, or was re-rolled whole
    RollupState.objects.filter(pk=state.pk).update(**changes)


# The ReportSpan rows of one block of an account, summed per website, dimension and key: a block of 2 days from its
# days' ReportDay rows, a longer one from its two halves (copies of these are in the migration that made ReportSpan:
# keep them alike). The dimension list lets the sums use the (account, dimension, …) indexes.
_SPAN_INSERT = (
    "INSERT INTO reports_reportspan (account_id, website_id, start, days, dimension, key1, key2, calls, answered, "
    "first_time, missed, abandoned, busy_or_failed, voicemail, conversions, value, visits) "
    "SELECT account_id, website_id, %s, %s, dimension, key1, key2, SUM(calls), SUM(answered), SUM(first_time), "
    "SUM(missed), SUM(abandoned), SUM(busy_or_failed), SUM(voicemail), SUM(conversions), SUM(value), SUM(visits) "
)
_SPAN_GROUP = " GROUP BY account_id, website_id, dimension, key1, key2"
_SPAN_DIMENSIONS = ", ".join(["%s"] * len(DIMENSIONS))
SPAN_FROM_DAYS_SQL = (_SPAN_INSERT + "FROM dashboard_reportday WHERE account_id = %s AND dimension IN ("
                      + _SPAN_DIMENSIONS + ") AND day >= %s AND day < %s" + _SPAN_GROUP)
SPAN_FROM_HALVES_SQL = (_SPAN_INSERT + "FROM reports_reportspan WHERE account_id = %s AND dimension IN ("
                        + _SPAN_DIMENSIONS + ") AND days = %s AND start IN (%s, %s)" + _SPAN_GROUP)


def rollup_spans_write(*, account: Account, first: date, last: date, whole_until: date) -> None:
    """The days [first, last) were re-rolled (ReportDay): drop every ReportSpan block that overlaps them and re-sum
    those that end by `whole_until` (every day before it rolled), shortest first (a block is the sum of its halves).
    A block ending later is left out: it is unread until rolled_through reaches its end, and the chunk that rolls
    its last day sums it then."""
    date_value = connection.ops.adapt_datefield_value
    dimensions = list(DIMENSIONS)
    with connection.cursor() as cursor:
        for days in SPAN_DAYS:
            start = span_start(first, days)
            ReportSpan.objects.filter(account=account, days=days, start__gte=start, start__lt=last).delete()
            while start < last and start + timedelta(days=days) <= whole_until:
                end = start + timedelta(days=days)
                if days == SPAN_DAYS[0]:
                    cursor.execute(SPAN_FROM_DAYS_SQL, [date_value(start), days, account.pk, *dimensions,
                                                        date_value(start), date_value(end)])
                else:
                    half = days // 2
                    cursor.execute(SPAN_FROM_HALVES_SQL, [
                        date_value(start), days, account.pk, *dimensions, half, date_value(start),
                        date_value(start + timedelta(days=half))])
                start = end


def _rollup_rows(*, account: Account, zone: ZoneInfo, first: date, last: date, end: datetime | None = None) -> list[ReportDay]:
    """ReportDay rows of the days [first, last), computed from Call and Visit (with `end`: what started before it)."""
    start = datetime.combine(first, time.min, tzinfo=zone)
    end = end or datetime.combine(last, time.min, tzinfo=zone)
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
    for key, visits in retained_visit_counts(account=account, since=first, through=last).items():
        rows.setdefault(key, {})["visits"] = visits

    return [
        ReportDay(account=account, website_id=site, day=day, dimension=dimension, key1=key1, key2=key2, **counts)
        for (site, day, dimension, key1, key2), counts in rows.items()
    ]


def _credit_rows(*, account: Account, zone: ZoneInfo, first: date, last: date, end: datetime | None = None) -> list[CreditDay]:
    """CreditDay rows of the days [first, last): the first-touch and linear corrections of their calls, computed
    from Call and Visit as the live reports compute them (reports.attribution_models.credit_groups); with `end`,
    of the calls started before it."""
    groups = credit_groups(account=account, start=datetime.combine(first, time.min, tzinfo=zone),
                           end=end or datetime.combine(last, time.min, tzinfo=zone), zone=zone, correction=True)
    return [
        CreditDay(account=account, website_id=site, day=day, model=model, dimension=dimension, key1=key1, key2=key2,
                  share=share, **dict(zip(CREDIT_COUNTS, counts, strict=True)))
        for (site, day, model, dimension, key1, key2, share), counts in groups.items()
    ]


def rollup_invalidate(*, account_id: int, day: date) -> bool:
    """Past calls changed on `day` (account time zone): reports read from that day on live, and the next
    rollup_refresh re-rolls it (it restarts REFRESH_DAYS before rolled_through). True when the rollup moved back
    (or today's partial rollup was dropped)."""
    rolled_past = Q(rolled_through__gt=day) | Q(rolled_through=day, partial_until__isnull=False)
    return bool(RollupState.objects.filter(rolled_past, account_id=account_id)
                .update(rolled_through=day, partial_until=None, refreshed_at=timezone.now()))


def rollup_today(*, account: Account, now: datetime | None = None) -> int:
    """Roll up today (the account's zone) up to a moment: ReportDay and CreditDay rows of the calls and visits
    started before `partial_until` (RollupState), so that pages read only the last minutes live. Runs after a
    finished pass (the days before today rolled); each run rewrites the day's rows. Returns the rows written.

    The moment is TODAY_MARGIN ago (a call or visit being written is started before it), and never after the
    start of a call of the last UNSETTLED_WINDOW that is not final: its callbacks still change its counts."""
    zone = ZoneInfo(account.timezone)
    now = now or timezone.now()
    today = now.astimezone(zone).date()
    midnight = datetime.combine(today, time.min, tzinfo=zone)
    state = RollupState.objects.filter(account=account).first()
    if state is None or state.rolled_through != today:
        return 0
    cut = today_cut(account=account, now=now, since=midnight)
    if cut <= midnight or (state.partial_until is not None and cut <= state.partial_until):
        return 0
    with transaction.atomic():
        objects = _rollup_rows(account=account, zone=zone, first=today, last=today + timedelta(days=1), end=cut)
        credits = _credit_rows(account=account, zone=zone, first=today, last=today + timedelta(days=1), end=cut)
        # Written only if nothing moved the state meanwhile (a pass's chunk, an invalidation): else it stays live.
        if not RollupState.objects.select_for_update().filter(
                pk=state.pk, rolled_through=today, refreshed_at=state.refreshed_at).exists():
            return 0
        ReportDay.objects.filter(account=account, day=today).delete()
        ReportDay.objects.bulk_create(objects, batch_size=5000)
        CreditDay.objects.filter(account=account, day=today).delete()
        CreditDay.objects.bulk_create(credits, batch_size=5000)
        RollupState.objects.filter(pk=state.pk).update(partial_until=cut, refreshed_at=timezone.now())
    return len(objects)


def today_cut(*, account: Account, now: datetime, since: datetime) -> datetime:
    """How far today can be rolled up (rollup_today): TODAY_MARGIN before now, or the start of the earliest call
    since `since` (within UNSETTLED_WINDOW) that is not final yet."""
    unsettled = (Call.objects.filter(account=account, started_at__gte=max(since, now - UNSETTLED_WINDOW),
                                     started_at__lt=now)
                 .filter(~Q(status__in=TERMINAL_STATUSES) | Q(settles_at__isnull=False))
                 .aggregate(first=Min("started_at"))["first"])
    cut = now - TODAY_MARGIN
    return min(cut, unsettled) if unsettled is not None else cut


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


def rollup_all_within(*, seconds: float, from_account_id: int = 0) -> int | None:
    """The scheduled task's share of work: every account's pass in chunks, one account after the other by id from
    `from_account_id`, each finished pass followed by today's partial rollup, until `seconds` are used; then no
    chunk or partial rollup starts. Returns the id of the account the next run starts with (its pass or its partial
    rollup is left), None when the last account is done.

    The run's first account gets its partial rollup even past the deadline (its pass may have taken the whole run),
    so every run finishes at least one account: one stopped before its partial rollup is not skipped for good."""
    deadline = monotonic() + seconds
    for position, account in enumerate(Account.objects.filter(id__gte=from_account_id).order_by("id")):
        first = position == 0
        if not first and monotonic() >= deadline:
            return account.pk
        chunk = rollup_refresh_chunk(account=account)
        while not (chunk.done or chunk.busy):
            if monotonic() >= deadline:
                return account.pk
            chunk = rollup_refresh_chunk(account=account)
        if chunk.done:
            if not first and monotonic() >= deadline:
                return account.pk
            rollup_today(account=account)
    return None

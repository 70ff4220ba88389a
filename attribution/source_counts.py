"""Daily human-visit counts per website and source/medium (SourceDay): the rules engine's input.

A scheduled task (`source_days_roll`, off the DNI request path) counts each closed UTC day from Visit once, in
chunks of days, each chunk its own short transaction, resumable from SourceDayRollup.rolled_through. Reads
(`website_source_counts`) add the rolled days inside a window to a live count of the raw visits at its two edges:
the partial first day and the days not rolled yet (today). Today is also counted up to a few minutes ago
(`partial_until`, rewritten each run), and a partial first day that started early is read as its whole counted day
less its visits before the window: so a read costs the window's days × sources rows plus at most half a day of
visits, however many visits the window holds.
"""

import operator
import time as clock
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce

from django.db import transaction
from django.db.models import Count, IntegerField, Min, Q, Sum, Value
from django.db.models.functions import TruncDate

from attribution.models import SourceDay, SourceDayRollup, Visit

# A day is counted once it ended this long ago: a visit recorded at 23:59:59 may commit a moment later.
CLOSE_GRACE = timedelta(minutes=10)
# Days counted per statement and transaction when catching up (a website's first run counts its whole history).
CHUNK_DAYS = 31

SourceKey = tuple[str, str]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def closed_before(now: datetime) -> date:
    """The first UTC day that is not closed yet at `now`: every day before it can be counted."""
    return (now - CLOSE_GRACE).astimezone(UTC).date()


def _human_visits(website_id: int):
    return Visit.objects.filter(website_id=website_id, is_bot=False)


def source_days_roll(*, now: datetime, website_ids: list[int] | None = None, budget_seconds: float | None = None) -> int:
    """Count every closed day not counted yet into SourceDay, for every website (or `website_ids`).

    Stops after `budget_seconds` (the next run resumes where this one stopped). Returns the days counted."""
    from accounts.models import Website

    started = clock.monotonic()
    ids = website_ids if website_ids is not None else list(Website.objects.order_by("pk").values_list("pk", flat=True))
    through = closed_before(now)
    counted = 0
    for website_id in ids:
        while True:
            if budget_seconds is not None and clock.monotonic() - started > budget_seconds:
                return counted
            days = _roll_chunk(website_id=website_id, through=through, now=now)
            counted += days
            if not days:
                break
        if budget_seconds is None or clock.monotonic() - started <= budget_seconds:
            _roll_partial(website_id=website_id, now=now)
    return counted


def _roll_partial(*, website_id: int, now: datetime) -> bool:
    """Count the website's first uncounted day (today, once caught up) up to CLOSE_GRACE ago into SourceDay, and
    store that moment as `partial_until`: reads take only the visits after it live. Each run rewrites the day's rows;
    written only if no other run moved the state meanwhile. Returns whether it wrote."""
    cut = now - CLOSE_GRACE
    state = SourceDayRollup.objects.filter(website_id=website_id).first()
    if state is None or state.rolled_through != cut.astimezone(UTC).date():
        return False
    day = state.rolled_through
    if state.partial_until is not None and cut <= state.partial_until:
        return False
    groups = (_human_visits(website_id).filter(started_at__gte=_midnight(day), started_at__lt=cut)
              .values("source", "medium").annotate(visits=Count("id")).order_by())
    rows = [SourceDay(website_id=website_id, day=day, source=g["source"], medium=g["medium"], visits=g["visits"])
            for g in groups]
    with transaction.atomic():
        if not SourceDayRollup.objects.select_for_update().filter(
                pk=state.pk, rolled_through=day, partial_until=state.partial_until).exists():
            return False
        SourceDay.objects.filter(website_id=website_id, day=day).delete()
        SourceDay.objects.bulk_create(rows, batch_size=5000)
        SourceDayRollup.objects.filter(pk=state.pk).update(partial_until=cut, refreshed_at=now)
    return True


def _roll_chunk(*, website_id: int, through: date, now: datetime) -> int:
    """Count the next CHUNK_DAYS uncounted closed days of one website (one GROUP BY, one short transaction)."""
    state = SourceDayRollup.objects.filter(website_id=website_id).first()
    if state is None:
        first = _human_visits(website_id).aggregate(first=Min("started_at"))["first"]
        start = first.astimezone(UTC).date() if first is not None else through
    else:
        start = state.rolled_through
    if start >= through:
        if state is None:
            SourceDayRollup.objects.get_or_create(website_id=website_id, defaults={"rolled_through": through, "refreshed_at": now})
        return 0
    end = min(through, start + timedelta(days=CHUNK_DAYS))
    groups = (
        _human_visits(website_id)
        .filter(started_at__gte=_midnight(start), started_at__lt=_midnight(end))
        .annotate(day=TruncDate("started_at", tzinfo=UTC))
        .values("day", "source", "medium")
        .annotate(visits=Count("id"))
        .order_by()
    )
    rows = [SourceDay(website_id=website_id, day=g["day"], source=g["source"], medium=g["medium"], visits=g["visits"])
            for g in groups]
    with transaction.atomic():
        # Two runs counting the same days: the state row decides, the later one looks again.
        current = SourceDayRollup.objects.select_for_update().filter(website_id=website_id).first()
        if current is not None and (state is None or current.rolled_through != state.rolled_through):
            return int(current.rolled_through < through)
        SourceDay.objects.filter(website_id=website_id, day__gte=start, day__lt=end).delete()
        SourceDay.objects.bulk_create(rows, batch_size=5000)
        # The day `start` may have held a partial count (_roll_partial): it is whole now, or not counted at all.
        SourceDayRollup.objects.update_or_create(website_id=website_id, defaults={
            "rolled_through": end, "partial_until": None, "refreshed_at": now})
    return (end - start).days


@dataclass(frozen=True)
class Counted:
    """How far a website's SourceDay rows reach: every UTC day before `rolled_through`, and that day up to
    `partial_until` when set."""

    rolled_through: date
    partial_until: datetime | None = None


def source_days_counted(*, website_id: int) -> Counted | None:
    """How far the website is counted in SourceDay (None: nothing counted yet). One query."""
    row = SourceDayRollup.objects.filter(website_id=website_id).values_list("rolled_through", "partial_until").first()
    return Counted(*row) if row else None


def source_days_rolled_through(*, website_id: int) -> date | None:
    """The first UTC day of the website not counted whole in SourceDay (None: nothing counted yet)."""
    counted = source_days_counted(website_id=website_id)
    return counted.rolled_through if counted else None


def source_days_counted_by_website(*, website_ids: list[int]) -> dict[int, Counted]:
    """{website id: how far it is counted in SourceDay} for those counted at all. One query."""
    rows = SourceDayRollup.objects.filter(website_id__in=website_ids).values_list("website_id", "rolled_through", "partial_until")
    return {website_id: Counted(rolled_through, partial_until) for website_id, rolled_through, partial_until in rows}


@dataclass(frozen=True)
class Split:
    """A window [since, until] as the counted days [first, end) read from SourceDay (or None), plus the visits of
    `live` stretches, less those of `less` stretches (inside the counted days), read from Visit."""

    days: tuple[date, date] | None
    live: list[Q]
    less: list[Q]


def _window_split(*, since: datetime, until: datetime, counted: Counted | None, complement: bool = False) -> Split:
    """[since, until] as the counted days read from SourceDay and the rest read live: one filter of Visit.started_at
    per stretch, the partial first day and what is not counted yet (after `partial_until` when the day is counted
    that far). With `complement`, a first day that starts before noon is read as its whole counted day less the
    visits before `since` (counts only: the fewer raw visits of the two)."""
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    whole = Q(started_at__gte=since, started_at__lte=until)
    if counted is None:
        return Split(None, [whole], [])
    partial = counted.partial_until.astimezone(UTC) if counted.partial_until is not None else None
    if partial is not None and partial <= until and partial.date() == counted.rolled_through:
        rolled_end, tail = counted.rolled_through + timedelta(days=1), partial
    else:
        rolled_end = min(counted.rolled_through, until.date())
        tail = _midnight(rolled_end)
    head = since.date()
    first_whole = head if since == _midnight(head) else head + timedelta(days=1)
    early = since - _midnight(head) < timedelta(hours=12)
    if (complement and early and since != _midnight(head) and head < counted.rolled_through and head < until.date()
            and rolled_end > head and tail >= _midnight(head + timedelta(days=1))):
        less = [Q(started_at__gte=_midnight(head), started_at__lt=since)]
        return Split((head, rolled_end), [Q(started_at__gte=tail, started_at__lte=until)], less)
    if rolled_end <= first_whole or tail < _midnight(first_whole):
        return Split(None, [whole], [])
    live = [Q(started_at__gte=tail, started_at__lte=until)]
    if since < _midnight(first_whole):
        live.insert(0, Q(started_at__gte=since, started_at__lt=_midnight(first_whole)))
    return Split((first_whole, rolled_end), live, [])


def _live_counts(website_id: int, stretches: list[Q], less: list[Q]):
    """Human visits per (source, medium) in each stretch, with `sign` -1 for the `less` ones: one statement, a GROUP
    BY per stretch (UNION ALL), each answered from attr_visit_top_idx alone (COUNT(*) reads no column outside it; an
    OR of stretches would make PostgreSQL fetch every row from the table)."""
    parts = [_human_visits(website_id).filter(stretch).values("source", "medium")
             .annotate(n=Count("*"), sign=Value(sign, output_field=IntegerField())).order_by()
             for stretches_, sign in ((stretches, 1), (less, -1)) for stretch in stretches_]
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def website_source_counts(*, website_id: int, since: datetime, until: datetime) -> dict[SourceKey, int]:
    """Human visits of the website started in [since, until], per (source, medium): counted days from SourceDay,
    the rest (the partial first day, what is not counted yet) live from Visit. Three queries at most."""
    split = _window_split(since=since, until=until, counted=source_days_counted(website_id=website_id), complement=True)
    counts: Counter[SourceKey] = Counter()
    if split.days is not None:
        rolled = (
            SourceDay.objects.filter(website_id=website_id, day__gte=split.days[0], day__lt=split.days[1])
            .values("source", "medium").annotate(n=Sum("visits")).order_by()
        )
        counts.update({(row["source"], row["medium"]): row["n"] for row in rolled})
    for row in _live_counts(website_id, split.live, split.less):
        counts[(row["source"], row["medium"])] += row["n"] * row["sign"]
    return {key: n for key, n in counts.items() if n > 0}


def _pairs_filter(sources: set[SourceKey]) -> Q:
    return reduce(operator.or_, (Q(source=source, medium=medium) for source, medium in sorted(sources)))


def websites_sources_seen(*, asks: dict[int, set[SourceKey]], since: datetime, until: datetime,
                          counted: dict[int, Counted], live: bool) -> dict[int, set[SourceKey]]:
    """{website id: which of its asked sources had a human visit of the website started in [since, until]} (pool
    health: "does an active number's source/medium still bring visits?"), all websites in one query.

    `live=False` reads only the counted days (SourceDay); `live=True` only the rest of each website's window (the
    partial first day, the days not counted yet) from Visit. A source was seen when either finds it, so a caller
    asks the live part only about those the counts did not show: neither read grows with the window's visits.
    `counted`: source_days_counted_by_website's."""
    seen: dict[int, set[SourceKey]] = {website_id: set() for website_id in asks}
    parts = []
    for website_id, sources in sorted(asks.items()):
        if not sources:
            continue
        split = _window_split(since=since, until=until, counted=counted.get(website_id))
        if live:
            parts.append(Q(reduce(operator.or_, split.live), _pairs_filter(sources), website_id=website_id))
        elif split.days is not None:
            parts.append(Q(_pairs_filter(sources), website_id=website_id, day__gte=split.days[0], day__lt=split.days[1]))
    if not parts:
        return seen
    rows = (Visit.objects.filter(is_bot=False) if live else SourceDay.objects.filter(visits__gt=0)).filter(reduce(operator.or_, parts))
    for website_id, source, medium in rows.values_list("website_id", "source", "medium").distinct().order_by():
        if (source, medium) in asks[website_id]:
            seen[website_id].add((source, medium))
    return seen


def source_days_purge(*, website_id: int, before: date, batch_size: int, deadline: float | None = None,
                      dry_run: bool = False) -> tuple[int, bool]:
    """Delete the website's SourceDay rows of the days before `before` (retention: reports.retention), oldest first,
    `batch_size` rows a statement and transaction through attr_sourceday_read_idx; a run stopped anywhere resumes
    where it was (the deleted rows are gone). Returns (rows deleted, or that would be when `dry_run`; False when the
    `deadline` (time.monotonic()) passed first)."""
    old = SourceDay.objects.filter(website_id=website_id, day__lt=before)
    if dry_run:
        return old.count(), True
    deleted = 0
    while deadline is None or clock.monotonic() <= deadline:
        batch = list(old.order_by("day", "source", "medium").values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted, True
        deleted += SourceDay.objects.filter(pk__in=batch).delete()[0]
    return deleted, False

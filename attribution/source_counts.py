"""Daily human-visit counts per website and source/medium (SourceDay): the rules engine's input.

A scheduled task (`source_days_roll`, off the DNI request path) counts each closed UTC day from Visit once, in
chunks of days, each chunk its own short transaction, resumable from SourceDayRollup.rolled_through. Reads
(`website_source_counts`) add the rolled days inside a window to a live count of the raw visits at its two edges:
the partial first day and the days not rolled yet (today). So a read costs the window's days × sources rows plus
about a day of visits, however many visits the window holds.
"""

import operator
import time as clock
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from functools import reduce

from django.db import transaction
from django.db.models import Count, Min, Q, Sum
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
    return counted


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
        SourceDayRollup.objects.update_or_create(website_id=website_id, defaults={"rolled_through": end, "refreshed_at": now})
    return (end - start).days


def source_days_rolled_through(*, website_id: int) -> date | None:
    """The first UTC day of the website not counted in SourceDay (None: nothing counted yet)."""
    return SourceDayRollup.objects.filter(website_id=website_id).values_list("rolled_through", flat=True).first()


def source_days_rolled_through_by_website(*, website_ids: list[int]) -> dict[int, date]:
    """{website id: first UTC day not counted in SourceDay} for those counted at all. One query."""
    return dict(SourceDayRollup.objects.filter(website_id__in=website_ids).values_list("website_id", "rolled_through"))


def _window_split(*, since: datetime, until: datetime, rolled_through: date | None) -> tuple[tuple[date, date] | None, list[Q]]:
    """[since, until] as (the counted days [first, end) read from SourceDay, or None; the rest, read live: one filter
    of Visit.started_at per stretch, the partial first day and the days not counted yet)."""
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    first_whole = since.date() if since == _midnight(since.date()) else since.date() + timedelta(days=1)
    rolled_end = min(rolled_through, until.date()) if rolled_through else None
    if rolled_end is None or rolled_end <= first_whole:
        return None, [Q(started_at__gte=since, started_at__lte=until)]
    live = [Q(started_at__gte=_midnight(rolled_end), started_at__lte=until)]
    if since < _midnight(first_whole):
        live.insert(0, Q(started_at__gte=since, started_at__lt=_midnight(first_whole)))
    return (first_whole, rolled_end), live


def _live_counts(website_id: int, stretches: list[Q]):
    """Human visits per (source, medium) in each stretch: one statement, a GROUP BY per stretch (UNION ALL), each
    answered from attr_visit_top_idx alone (COUNT(*) reads no column outside it; an OR of stretches would make
    PostgreSQL fetch every row from the table)."""
    parts = [_human_visits(website_id).filter(stretch).values("source", "medium").annotate(n=Count("*")).order_by()
             for stretch in stretches]
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def website_source_counts(*, website_id: int, since: datetime, until: datetime) -> dict[SourceKey, int]:
    """Human visits of the website started in [since, until], per (source, medium): counted days from SourceDay,
    the rest (the partial first day, the days not counted yet) live from Visit. Two queries at most."""
    rolled_days, live = _window_split(since=since, until=until,
                                      rolled_through=source_days_rolled_through(website_id=website_id))
    counts: Counter[SourceKey] = Counter()
    if rolled_days is not None:
        rolled = (
            SourceDay.objects.filter(website_id=website_id, day__gte=rolled_days[0], day__lt=rolled_days[1])
            .values("source", "medium").annotate(n=Sum("visits")).order_by()
        )
        counts.update({(row["source"], row["medium"]): row["n"] for row in rolled})
    for row in _live_counts(website_id, live):
        counts[(row["source"], row["medium"])] += row["n"]
    return dict(counts)


def _pairs_filter(sources: set[SourceKey]) -> Q:
    return reduce(operator.or_, (Q(source=source, medium=medium) for source, medium in sorted(sources)))


def websites_sources_seen(*, asks: dict[int, set[SourceKey]], since: datetime, until: datetime,
                          rolled_through: dict[int, date], live: bool) -> dict[int, set[SourceKey]]:
    """{website id: which of its asked sources had a human visit of the website started in [since, until]} (pool
    health: "does an active number's source/medium still bring visits?"), all websites in one query.

    `live=False` reads only the counted days (SourceDay); `live=True` only the rest of each website's window (the
    partial first day, the days not counted yet) from Visit. A source was seen when either finds it, so a caller
    asks the live part only about those the counts did not show: neither read grows with the window's visits.
    `rolled_through`: source_days_rolled_through_by_website's."""
    seen: dict[int, set[SourceKey]] = {website_id: set() for website_id in asks}
    parts = []
    for website_id, sources in sorted(asks.items()):
        if not sources:
            continue
        rolled_days, stretches = _window_split(since=since, until=until, rolled_through=rolled_through.get(website_id))
        if live:
            parts.append(Q(reduce(operator.or_, stretches), _pairs_filter(sources), website_id=website_id))
        elif rolled_days is not None:
            parts.append(Q(_pairs_filter(sources), website_id=website_id, day__gte=rolled_days[0], day__lt=rolled_days[1]))
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

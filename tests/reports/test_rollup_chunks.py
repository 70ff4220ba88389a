"""The rollup refresh in chunks (reports.services.rollup_refresh_chunk): each chunk its own transaction, a cursor
row so a killed worker's pass continues, chunks sized to stay far inside the worker's task timeout."""

from datetime import timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from reports import services, tasks
from reports.models import ReportDay, RollupProgress, RollupState
from reports.services import (
    CHUNK_MAX_DAYS,
    CHUNK_TARGET_SECONDS,
    next_chunk_days,
    rollup_all_within,
    rollup_invalidate,
    rollup_refresh,
    rollup_refresh_chunk,
)
from tests.factories import (
    AccountFactory,
    CallFactory,
    CallTrackerFactory,
    PoolFactory,
    VisitFactory,
)

DAYS = 20


@pytest.fixture
def history(account, website):
    """A call and a visit on each of the last DAYS days."""
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    now = timezone.now()
    for i in range(DAYS):
        at = now - timedelta(days=i, hours=1)
        VisitFactory(website=website, source=f"s{i % 3}", medium="cpc", started_at=at)
        CallFactory(tracker=tracker, source=f"s{i % 3}", medium="cpc", started_at=at)


def _today(account):
    return timezone.now().astimezone(ZoneInfo(account.timezone)).date()


def _rows(account):
    return sorted(ReportDay.objects.filter(account=account).values_list("day", "dimension", "key1", "key2", "calls",
                                                                         "visits"))


def test_a_pass_is_cut_in_chunks_that_each_move_the_cursor_and_the_rolled_day(account, history):
    through = _today(account)
    first = rollup_refresh_chunk(account=account, through=through)
    assert not first.done and first.days is not None
    assert first.days[0] >= through - timedelta(days=DAYS + 1), "a first pass starts at the first call, not in 1970"
    assert first.days[1] - first.days[0] == timedelta(days=7)
    progress = RollupProgress.objects.get(account=account)
    assert progress.next_day == first.days[1] and progress.through == through
    assert progress.chunk_days == 14, "quick chunks grow"
    assert RollupState.objects.get(account=account).rolled_through == first.days[1]
    second = rollup_refresh_chunk(account=account)
    assert second.days is not None and second.days[0] == first.days[1]
    assert second.days[1] == min(first.days[1] + timedelta(days=14), through) and second.done


def test_a_killed_pass_continues_from_its_cursor_and_ends_where_one_go_ends(account, history):
    through = _today(account)
    rollup_refresh(account=account)  # the days before today, then today's partial rollup
    in_one_go = _rows(account)
    ReportDay.objects.all().delete()
    RollupState.objects.all().delete()
    rollup_refresh_chunk(account=account, through=through)  # the worker dies after its first chunk
    assert RollupProgress.objects.filter(account=account).exists()
    rollup_refresh(account=account)  # the next run
    assert _rows(account) == in_one_go
    assert not RollupProgress.objects.filter(account=account).exists()
    assert RollupState.objects.get(account=account).rolled_through == through


def test_a_full_pass_replaces_the_rows_it_reaches_and_keeps_the_count(account, history):
    through = _today(account)
    rows = rollup_refresh(account=account, through=through)
    assert rollup_refresh(account=account, through=through, full=True) == rows == ReportDay.objects.count()


def test_an_invalidation_during_a_pass_keeps_those_days_live(account, history):
    through = _today(account)
    rollup_refresh(account=account, through=through)
    first = rollup_refresh_chunk(account=account, through=through, full=True)
    assert first.days is not None
    changed = first.days[1] - timedelta(days=2)
    assert rollup_invalidate(account_id=account.pk, day=changed)
    rollup_refresh(account=account)
    assert RollupState.objects.get(account=account).rolled_through == changed


def test_an_account_without_calls_or_visits_is_rolled_through_at_once(account):
    chunk = rollup_refresh_chunk(account=account, through=_today(account))
    assert chunk.done and chunk.rows == 0
    assert RollupState.objects.get(account=account).rolled_through == _today(account)


@pytest.mark.parametrize(("days", "seconds", "expected"), [
    (7, 0.0, 14),                                    # instant: doubled
    (7, CHUNK_TARGET_SECONDS, 7),                    # on target: kept
    (8, CHUNK_TARGET_SECONDS * 4, 2),                # four times too slow: a quarter
    (1, CHUNK_TARGET_SECONDS * 100, 1),              # never below a day
    (CHUNK_MAX_DAYS, 0.001, CHUNK_MAX_DAYS),         # never above the maximum
])
def test_chunk_size_adapts_toward_the_target_time(days, seconds, expected):
    assert next_chunk_days(days=days, seconds=seconds) == expected


def test_the_task_stops_at_its_time_budget_and_queues_its_continuation(account, history, settings):
    assert rollup_all_within(seconds=0) == account.pk
    assert RollupProgress.objects.filter(account=account).exists()
    with mock.patch.object(tasks, "rollup_all_within", return_value=account.pk) as within, \
            mock.patch.object(tasks, "wake_on_commit") as wake:
        tasks.rollup_reports()
    within.assert_called_once_with(seconds=settings.Q_CLUSTER["timeout"] / 2, from_account_id=0)
    wake.assert_called_once_with(tasks.ROLLUP_TASK, account.pk)
    assert rollup_all_within(seconds=60, from_account_id=account.pk) is None
    assert not RollupProgress.objects.exists()


def _midday_zone(now) -> str:
    """A zone where it is midday now: today's partial rollup has hours to roll whatever the test's hour."""
    return next(zone for zone in (f"Etc/GMT{offset:+d}" for offset in range(-14, 13))
                if 10 <= now.astimezone(ZoneInfo(zone)).hour < 14)


@pytest.mark.parametrize(("seconds", "expected"), [
    # Past the budget after the second account's pass: its partial rollup waits for the next run, which starts with it.
    (2.5, [(["pass 1", "today 1", "pass 2"], 2), (["pass 2", "today 2", "pass 3"], 3), (["pass 3", "today 3"], None)]),
    # Past the budget after any pass: each run still finishes its first account, so none is left without.
    (0.5, [(["pass 1", "today 1"], 2), (["pass 2", "today 2"], 3), (["pass 3", "today 3"], None)]),
])
def test_runs_start_nothing_past_their_budget_and_every_account_gets_its_partial_rollup(db, seconds, expected):
    """Each pass (one chunk here) and each partial rollup costs a second of the run's budget."""
    now = timezone.now()
    accounts = [AccountFactory(timezone=_midday_zone(now)) for _ in range(3)]
    for account in accounts:
        CallFactory(tracker__pool__account=account, started_at=now - timedelta(hours=1))
    number = {account.pk: index for index, account in enumerate(accounts, start=1)}
    clock = [0.0]
    steps: list[str] = []

    def costing(step, work):
        def run(*, account):
            steps.append(f"{step} {number[account.pk]}")
            clock[0] += 1
            return work(account=account)
        return run

    runs = []
    with mock.patch.object(services, "monotonic", lambda: clock[0]), \
            mock.patch.object(services, "rollup_refresh_chunk", costing("pass", services.rollup_refresh_chunk)), \
            mock.patch.object(services, "rollup_today", costing("today", services.rollup_today)):
        left: int | None = 0
        while left is not None and len(runs) < 5:
            steps.clear()
            left = rollup_all_within(seconds=seconds, from_account_id=left)
            runs.append((list(steps), number.get(left)))
    assert runs == expected
    assert RollupState.objects.filter(account__in=accounts, partial_until__isnull=False).count() == 3

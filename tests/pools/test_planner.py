"""The rules as pure functions: no database, a frozen `now`."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pools.planner import (
    PlannedAction,
    PoolSnapshot,
    SourceCount,
    TrackerSnapshot,
    plan_pool,
    plan_visitor_pool_size,
)
from tests.support import examples

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def pool(*trackers, kind="automated", tracking="source", size=4, utilization="1", flag_days=30, retired=False):
    return PoolSnapshot(kind=kind, tracking=tracking, size=size, utilization=Decimal(utilization),
                        flag_days=flag_days, is_retired=retired, trackers=tuple(trackers))


def tracker(id, status="available", source="", medium="", flagged_days_ago=None, leased=False):
    flagged_at = NOW - timedelta(days=flagged_days_ago) if flagged_days_ago is not None else None
    return TrackerSnapshot(id=id, tracking_number=f"+1202555{id:04d}", status=status, source=source, medium=medium,
                           flagged_at=flagged_at, has_open_lease=leased)


def top(*pairs):
    return [SourceCount(s, m, v) for s, m, v in pairs]


def kinds(plan):
    return [a.action for a in plan]


def test_an_empty_pool_gets_created_trackers_and_activations_for_its_top_sources():
    plan = plan_pool(pool(size=2), top(("google", "organic", 300), ("bing", "cpc", 120)), NOW)
    assert kinds(plan) == ["create", "create", "activate", "activate"]
    assert plan[0] == PlannedAction("create", None, "", "the pool holds 0 of 2 trackers")
    assert (plan[2].source, plan[2].medium, plan[2].tracker_id) == ("google", "organic", None)


def test_an_active_tracker_off_the_top_list_is_flagged_with_its_reason():
    plan = plan_pool(pool(tracker(1, "active", "bing", "cpc"), size=1), top(("google", "organic", 300)), NOW)
    assert plan[0] == PlannedAction("flag", 1, "+12025550001", "bing/cpc is no longer on the top list", "bing", "cpc")
    assert kinds(plan) == ["flag"]  # no Available tracker left for google/organic


def test_the_top_list_is_cut_to_size_times_utilization():
    trackers = [tracker(i) for i in range(1, 5)]
    plan = plan_pool(pool(*trackers, size=4, utilization="0.5"),
                     top(("a", "x", 9), ("b", "x", 8), ("c", "x", 7)), NOW)
    assert [(a.action, a.source) for a in plan] == [("activate", "a"), ("activate", "b")]


def test_a_flagged_tracker_becomes_available_after_exactly_flag_days():
    flagged = tracker(1, "flagged", "a", "x", flagged_days_ago=30)
    assert kinds(plan_pool(pool(flagged, size=1), [], NOW)) == ["free"]
    almost = replace(flagged, flagged_at=NOW - timedelta(days=30) + timedelta(seconds=1))
    assert plan_pool(pool(almost, size=1), [], NOW) == []


def test_a_freed_tracker_is_reused_by_the_same_run_so_the_next_run_has_nothing_to_do():
    flagged = tracker(1, "flagged", "gone", "x", flagged_days_ago=31)
    plan = plan_pool(pool(flagged, size=1), top(("new", "x", 50)), NOW)
    assert [(a.action, a.tracker_id) for a in plan] == [("free", 1), ("activate", 1)]


def test_surplus_available_trackers_are_deleted_newest_first_but_flagged_ones_wait():
    trackers = [tracker(1, "active", "a", "x"), tracker(2, "flagged", "b", "x", flagged_days_ago=1),
                tracker(3), tracker(4)]
    plan = plan_pool(pool(*trackers, size=1), top(("a", "x", 9)), NOW)
    assert [(a.action, a.tracker_id) for a in plan] == [("delete", 4), ("delete", 3)]


def test_duplicate_actives_for_one_source_keep_one_tracker():
    plan = plan_pool(pool(tracker(1, "active", "a", "x"), tracker(2, "active", "a", "x"), size=2), top(("a", "x", 9)), NOW)
    assert [(a.action, a.tracker_id, a.reason) for a in plan] == [("flag", 2, "another tracker already tracks a/x")]


def test_a_flagged_source_back_on_top_is_unflagged_most_recently_flagged_first():
    older = tracker(1, "flagged", "a", "x", flagged_days_ago=9)
    newer = tracker(2, "flagged", "a", "x", flagged_days_ago=2)
    plan = plan_pool(pool(older, newer, size=2), top(("a", "x", 9)), NOW)
    assert [(a.action, a.tracker_id) for a in plan] == [("unflag", 2)]


def test_manual_pools_are_never_touched_not_even_trackers_flagged_for_flag_days():
    trackers = [tracker(1, "active", "off", "top"), tracker(2), tracker(3), tracker(4, "flagged", flagged_days_ago=30),
                tracker(5, "flagged", flagged_days_ago=29)]
    plan = plan_pool(pool(*trackers, kind="manual", size=1), top(("a", "x", 9)), NOW)
    assert plan == []


def test_a_retired_pool_flags_actives_and_releases_the_rest():
    trackers = [tracker(1, "active", "a", "x"), tracker(2), tracker(3, "flagged", flagged_days_ago=40)]
    plan = plan_pool(pool(*trackers, retired=True), top(("a", "x", 9)), NOW)
    assert [(a.action, a.tracker_id) for a in plan] == [("flag", 1), ("delete", 2), ("delete", 3)]


def test_a_visitor_pool_keeps_size_trackers_in_rotation_and_never_takes_a_leased_one_out():
    trackers = [tracker(1, "active", leased=True), tracker(2, "active"), tracker(3, "active", leased=True)]
    plan = plan_pool(pool(*trackers, tracking="visitor", size=2), [], NOW)
    assert [(a.action, a.tracker_id) for a in plan] == [("flag", 2)]
    grow = plan_pool(pool(*trackers, tracking="visitor", size=4), [], NOW)
    assert kinds(grow) == ["create", "activate"]


@pytest.mark.parametrize(
    ("peak", "headroom", "leased", "max_size", "expected"),
    [
        (4, "1.5", 0, 10, 6),
        (3, "1.5", 0, 10, 5),  # ceil(4.5)
        (8, "1.5", 0, 10, 10),  # capped at max_size
        (8, "1.5", 12, 10, 12),  # never below the leases open now
        (0, "1.5", 0, 10, 0),
    ],
)
def test_plan_visitor_pool_size(peak, headroom, leased, max_size, expected):
    assert plan_visitor_pool_size(peak, Decimal(headroom), leased, max_size) == expected


# --- properties ------------------------------------------------------------------------------------

KEYS = [(s, m) for s in "abcdef" for m in ("x", "y")]


def apply(snapshot: PoolSnapshot, plan: list[PlannedAction], now: datetime) -> PoolSnapshot:
    """An independent reading of the actions: what the service would leave behind."""
    trackers: dict[int, TrackerSnapshot] = {t.id: t for t in snapshot.trackers if t.id is not None}
    created = 0
    for action in plan:
        if action.action == "create":
            created += 1
            trackers[-created] = TrackerSnapshot(id=-created, tracking_number="", status="available")
            continue
        tid = action.tracker_id
        if tid is None:  # activation of a tracker this run creates
            tid = next(k for k, t in trackers.items() if k < 0 and t.status == "available")
        current = trackers[tid]
        if action.action == "delete":
            assert current.status in ("available", "flagged")
            del trackers[tid]
        elif action.action == "flag":
            assert current.status == "active"
            trackers[tid] = replace(current, status="flagged", flagged_at=now)
        elif action.action == "unflag":
            assert current.status == "flagged"
            trackers[tid] = replace(current, status="active", flagged_at=None)
        elif action.action == "activate":
            assert current.status == "available"
            trackers[tid] = replace(current, status="active", source=action.source, medium=action.medium)
        elif action.action == "free":
            assert current.status == "flagged"
            trackers[tid] = replace(current, status="available", source="", medium="", flagged_at=None)
    return replace(snapshot, trackers=tuple(trackers.values()))


@st.composite
def scenarios(draw):
    n = draw(st.integers(0, 10))
    trackers = []
    for i in range(1, n + 1):
        status = draw(st.sampled_from(["active", "flagged", "available"]))
        source, medium = draw(st.sampled_from(KEYS)) if status != "available" else ("", "")
        days = draw(st.integers(0, 60)) if status == "flagged" else None
        trackers.append(tracker(i, status, source, medium, flagged_days_ago=days))
    snapshot = pool(*trackers, size=draw(st.integers(0, 8)),
                    utilization=draw(st.sampled_from(["0", "0.25", "0.5", "0.75", "1"])),
                    flag_days=draw(st.integers(0, 40)))
    keys = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=8))
    counts = [SourceCount(s, m, draw(st.integers(1, 500))) for s, m in keys]
    return snapshot, counts


def _cut(snapshot, counts):
    ordered = sorted(counts, key=lambda c: (-c.visits, c.source, c.medium))
    return {c.key for c in ordered[: snapshot.max_active]}


@settings(max_examples=examples(300), deadline=None)
@given(scenarios())
def test_after_a_run_the_invariants_hold_and_a_second_run_does_nothing(scenario):
    snapshot, counts = scenario
    after = apply(snapshot, plan_pool(snapshot, counts, NOW), NOW)
    active = [t for t in after.trackers if t.status == "active"]
    flagged = [t for t in after.trackers if t.status == "flagged"]

    assert len(active) <= snapshot.max_active
    assert all(t.key in _cut(snapshot, counts) for t in active)
    assert len({t.key for t in active}) == len(active)
    # Only trackers that still forward calls (Active/Flagged) may keep a pool above its size.
    assert len(after.trackers) <= max(snapshot.size, len(active) + len(flagged))
    assert plan_pool(after, counts, NOW) == []


@settings(max_examples=examples(200), deadline=None)
@given(scenarios())
def test_once_flag_days_have_passed_a_run_leaves_at_most_size_trackers(scenario):
    snapshot, counts = scenario
    after = apply(snapshot, plan_pool(snapshot, counts, NOW), NOW)
    later = NOW + timedelta(days=snapshot.flag_days)
    final = apply(after, plan_pool(after, counts, later), later)
    assert len(final.trackers) <= snapshot.size


@settings(max_examples=examples(200), deadline=None)
@given(scenarios())
def test_manual_pools_in_service_get_no_action_whatever_their_state(scenario):
    snapshot, counts = scenario
    manual = replace(snapshot, kind="manual", is_retired=False)
    assert plan_pool(manual, counts, NOW + timedelta(days=365)) == []


@st.composite
def visitor_scenarios(draw):
    n = draw(st.integers(0, 10))
    trackers = []
    for i in range(1, n + 1):
        status = draw(st.sampled_from(["active", "flagged", "available"]))
        days = draw(st.integers(0, 10)) if status == "flagged" else None
        leased = status == "active" and draw(st.booleans())
        trackers.append(tracker(i, status, flagged_days_ago=days, leased=leased))
    leased_now = sum(t.has_open_lease for t in trackers)
    size = plan_visitor_pool_size(draw(st.integers(0, 8)), Decimal("1.5"), leased_now, draw(st.integers(0, 10)))
    return pool(*trackers, tracking="visitor", size=size, flag_days=draw(st.integers(0, 5)))


@settings(max_examples=examples(200), deadline=None)
@given(visitor_scenarios())
def test_a_visitor_pool_run_keeps_size_in_rotation_and_every_leased_tracker(snapshot):
    plan = plan_pool(snapshot, [], NOW)
    after = apply(snapshot, plan, NOW)
    active = {t.id for t in after.trackers if t.status == "active"}

    assert {t.id for t in snapshot.trackers if t.has_open_lease} <= active
    assert len(active) == snapshot.size
    assert plan_pool(after, [], NOW) == []

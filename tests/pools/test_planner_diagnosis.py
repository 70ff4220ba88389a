""""Why is my pool not activating?" (FAQ) as a pure function: no database, a frozen `now`."""

from datetime import timedelta

from pools.planner import plan_diagnosis, plan_pool
from tests.pools.test_planner import NOW, pool, top, tracker


def diagnose(snapshot, counts, min_visits=5):
    return plan_diagnosis(snapshot, counts, plan_pool(snapshot, [c for c in counts if c.visits >= min_visits], NOW),
                          min_visits=min_visits, now=NOW)


def test_a_top_source_waits_for_the_next_flagged_tracker_and_says_when_it_frees_up():
    snapshot = pool(tracker(1, "active", "a", "x"), tracker(2, "flagged", "old", "x", flagged_days_ago=10),
                    tracker(3, "flagged", "older", "x", flagged_days_ago=20), size=3)
    diagnosis = diagnose(snapshot, top(("a", "x", 50), ("b", "y", 40), ("c", "z", 2)))

    assert diagnosis.is_stuck
    [waiting] = diagnosis.waiting
    assert (waiting.source, waiting.medium, waiting.visits) == ("b", "y", 40)
    assert waiting.reason == "no Available tracker; the next Flagged one frees up"
    assert (waiting.next_number, waiting.frees_at) == ("+12025550003", NOW + timedelta(days=10))
    assert [(c.source, c.visits) for c in diagnosis.below] == [("c", 2)]


def test_a_tracker_the_plan_flags_counts_as_flagged_from_now():
    snapshot = pool(tracker(1, "active", "gone", "x"), size=1)
    diagnosis = diagnose(snapshot, top(("b", "y", 40)))
    assert [w.frees_at for w in diagnosis.waiting] == [NOW + timedelta(days=30)]


def test_no_tracker_at_all_says_to_raise_the_size_or_that_buying_failed():
    full = pool(tracker(1, "active", "a", "x"), size=1, utilization="1")
    assert diagnose(full, top(("a", "x", 50))).waiting == ()
    assert diagnose(pool(size=0), top(("b", "y", 40))).max_active == 0
    short = plan_diagnosis(pool(tracker(1, "active", "a", "x"), size=2), top(("a", "x", 50), ("b", "y", 40)), [],
                           min_visits=5, now=NOW)
    assert short.waiting[0].reason == "no Available tracker: the pool holds 1 of its 2 numbers (buying the rest failed)"


def test_a_pool_whose_plan_covers_every_top_source_is_not_stuck_and_lists_sub_threshold_sources():
    snapshot = pool(tracker(1), tracker(2), size=2)
    diagnosis = diagnose(snapshot, top(("a", "x", 50), ("b", "y", 4), ("c", "z", 3)))
    assert not diagnosis.is_stuck
    assert diagnosis.has_room and [(c.source, c.visits) for c in diagnosis.below] == [("b", 4), ("c", 3)]
    assert diagnosis.explains_something


def test_activations_of_trackers_the_run_creates_count_as_tracked():
    diagnosis = diagnose(pool(size=2), top(("a", "x", 50), ("b", "y", 40)))
    assert diagnosis.waiting == () and not diagnosis.has_room


def test_qualifying_sources_cut_by_size_times_utilization_are_listed_apart():
    diagnosis = diagnose(pool(tracker(1), size=1), top(("a", "x", 50), ("b", "y", 40)))
    assert [c.source for c in diagnosis.top] == ["a"] and [c.source for c in diagnosis.beyond_cut] == ["b"]


def test_manual_visitor_and_retired_pools_get_no_diagnosis():
    for snapshot in (pool(kind="manual"), pool(tracking="visitor"), pool(retired=True)):
        diagnosis = plan_diagnosis(snapshot, top(("a", "x", 50)), [], min_visits=5, now=NOW)
        assert not diagnosis.applies and not diagnosis.explains_something

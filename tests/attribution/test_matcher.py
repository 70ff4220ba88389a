"""The call-to-visit matcher: pure, no database. Examples pin the rules; properties check them broadly."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from attribution.matcher import (
    LEASE,
    NONE,
    NOT_SHOWN,
    RECENT_LEASE,
    SOURCE,
    STALE,
    TOP,
    AssignmentFact,
    LeaseFact,
    plan_source_match,
    plan_visitor_match,
)
from tests.support import examples

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LEASE_MINUTES = 30


def lease(visit_id, start_min, end_min, *, released_min=None, shared=False):
    return LeaseFact(
        visit_id=visit_id, started_at=T0 + timedelta(minutes=start_min), expires_at=T0 + timedelta(minutes=end_min),
        ended_at=None if released_min is None else T0 + timedelta(minutes=released_min), is_shared=shared,
    )


def test_lease_covering_the_call_wins_with_full_confidence():
    match = plan_visitor_match(leases=[lease(1, -40, -20), lease(2, -5, 25)], call_at=T0, lease_minutes=LEASE_MINUTES)

    assert (match.method, match.visit_id, match.confidence) == (LEASE, 2, 1.0)


def test_lease_released_before_the_call_does_not_cover_it():
    match = plan_visitor_match(leases=[lease(1, -10, 20, released_min=-1)], call_at=T0, lease_minutes=LEASE_MINUTES)

    assert match.method == RECENT_LEASE
    assert match.visit_id == 1


def test_most_recently_released_lease_within_the_lease_time_is_taken():
    leases = [lease(1, -60, -25), lease(2, -50, -5)]

    match = plan_visitor_match(leases=leases, call_at=T0, lease_minutes=LEASE_MINUTES)

    assert (match.method, match.visit_id) == (RECENT_LEASE, 2)
    assert 0.2 <= match.confidence < 0.6


def test_lease_released_longer_ago_than_the_lease_time_is_ignored():
    match = plan_visitor_match(leases=[lease(1, -90, -31)], call_at=T0, lease_minutes=LEASE_MINUTES)

    assert match.method == NONE
    assert match.visit_id is None


def test_shared_lease_gives_lower_confidence():
    match = plan_visitor_match(leases=[lease(1, -5, 25, shared=True)], call_at=T0, lease_minutes=LEASE_MINUTES)

    assert match.method == LEASE
    assert match.confidence < 1.0


def test_source_pool_uses_the_assignment_in_force_at_the_call():
    history = [
        AssignmentFact(at=T0 - timedelta(days=5), shown=TOP, source="google", medium="cpc", order=1),
        AssignmentFact(at=T0 - timedelta(days=1), shown=STALE, source="google", medium="cpc", order=2),
        AssignmentFact(at=T0 + timedelta(hours=1), shown=TOP, source="bing", medium="cpc", order=3),
    ]

    match = plan_source_match(history=history, call_at=T0)

    assert (match.method, match.source, match.medium) == (SOURCE, "google", "cpc")
    assert match.confidence < plan_source_match(history=history[:1], call_at=T0).confidence  # flagged < active


def test_source_pool_tracker_without_history_before_the_call_is_unattributed():
    history = [AssignmentFact(at=T0 + timedelta(seconds=1), shown=TOP, source="google", medium="cpc")]

    assert plan_source_match(history=history, call_at=T0).method == NONE


def test_rows_at_the_same_instant_are_ordered_by_id():
    history = [
        AssignmentFact(at=T0, shown=TOP, source="google", medium="cpc", order=2),
        AssignmentFact(at=T0, shown=NOT_SHOWN, order=3),
    ]

    assert plan_source_match(history=history, call_at=T0).method == NONE


# --- properties ---------------------------------------------------------------------------------

minutes = st.integers(min_value=-240, max_value=240)


@st.composite
def lease_facts(draw):
    start = draw(minutes)
    length = draw(st.integers(min_value=1, max_value=120))
    released = draw(st.one_of(st.none(), st.integers(min_value=start, max_value=start + 150)))
    return lease(draw(st.integers(min_value=1, max_value=50)), start, start + length, released_min=released,
                 shared=draw(st.booleans()))


lease_lists = st.lists(lease_facts(), max_size=8)
lease_minutes = st.integers(min_value=1, max_value=120)


def covers(fact: LeaseFact, at: datetime) -> bool:
    return fact.started_at <= at < fact.end


@settings(max_examples=examples(300), deadline=None)
@given(leases=lease_lists, window=lease_minutes)
def test_a_match_always_names_one_of_the_given_visits(leases, window):
    match = plan_visitor_match(leases=leases, call_at=T0, lease_minutes=window)

    assert 0.0 <= match.confidence <= 1.0
    if match.method == NONE:
        assert match.visit_id is None and match.confidence == 0.0
    else:
        assert match.visit_id in {fact.visit_id for fact in leases}


@settings(max_examples=examples(300), deadline=None)
@given(leases=lease_lists, window=lease_minutes)
def test_a_covering_lease_always_beats_a_recent_one(leases, window):
    match = plan_visitor_match(leases=leases, call_at=T0, lease_minutes=window)

    covering = [fact for fact in leases if covers(fact, T0)]
    if covering:
        assert match.method == LEASE
        assert match.visit_id in {fact.visit_id for fact in covering}
    else:
        assert match.method != LEASE


@settings(max_examples=examples(300), deadline=None)
@given(leases=lease_lists, window=lease_minutes)
def test_recent_match_is_the_latest_release_within_the_window(leases, window):
    match = plan_visitor_match(leases=leases, call_at=T0, lease_minutes=window)

    if any(covers(fact, T0) for fact in leases):
        return
    recent = [fact for fact in leases if fact.end <= T0 and T0 - fact.end <= timedelta(minutes=window)]
    if not recent:
        assert match.method == NONE
        return
    latest_end = max(fact.end for fact in recent)
    assert match.method == RECENT_LEASE
    assert match.visit_id in {fact.visit_id for fact in recent if fact.end == latest_end}
    assert match.confidence < 1.0


@settings(max_examples=examples(200), deadline=None)
@given(leases=lease_lists, window=lease_minutes)
def test_recent_matches_are_never_more_confident_than_covering_ones(leases, window):
    match = plan_visitor_match(leases=leases, call_at=T0, lease_minutes=window)

    if match.method == RECENT_LEASE:
        assert match.confidence <= 0.6


@settings(max_examples=examples(200), deadline=None)
@given(leases=lease_lists, window=lease_minutes, shift=st.integers(min_value=0, max_value=1000))
def test_leases_starting_after_the_call_never_match(leases, window, shift):
    future = [lease(99, shift + 1, shift + 30)]

    assert plan_visitor_match(leases=future, call_at=T0, lease_minutes=window).method == NONE
    with_future = plan_visitor_match(leases=leases + future, call_at=T0, lease_minutes=window)
    assert with_future == plan_visitor_match(leases=leases, call_at=T0, lease_minutes=window)


statuses = st.sampled_from([TOP, STALE, NOT_SHOWN])


@st.composite
def histories(draw):
    rows = draw(st.lists(st.tuples(minutes, statuses, st.sampled_from(["", "google", "bing"])), max_size=8))
    return [
        AssignmentFact(at=T0 + timedelta(minutes=at), shown=status, source=source, medium="cpc" if source else "",
                       order=index)
        for index, (at, status, source) in enumerate(rows)
    ]


@settings(max_examples=examples(300), deadline=None)
@given(history=histories())
def test_source_match_is_the_latest_row_not_after_the_call(history):
    match = plan_source_match(history=history, call_at=T0)

    before = [row for row in history if row.at <= T0]
    if not before:
        assert match.method == NONE
        return
    current = max(before, key=lambda row: (row.at, row.order))
    if current.shown in (TOP, STALE) and current.source:
        assert (match.method, match.source) == (SOURCE, current.source)
    else:
        assert match.method == NONE
    # Rows after the call never change the answer.
    assert plan_source_match(history=before, call_at=T0) == match

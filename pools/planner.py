"""The automated-pool rules as pure functions: plain data in, a list of actions out. No ORM, clock or I/O.

`plan_pool` follows SPEC "Automated pool rules" step by step on a simulated copy of the pool. The steps
are repeated until a pass adds nothing, so that a tracker freed in step 4 can be activated (or deleted)
by the same run instead of the next one: that is what makes a second run right after a first return [].
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from math import ceil, floor

CREATE, FLAG, UNFLAG, ACTIVATE, FREE, DELETE = "create", "flag", "unflag", "activate", "free", "delete"
ACTIONS = (CREATE, FLAG, UNFLAG, ACTIVATE, FREE, DELETE)

ACTIVE, FLAGGED, AVAILABLE = "active", "flagged", "available"
MAX_PASSES = 4


@dataclass(frozen=True)
class PlannedAction:
    action: str  # create | flag | unflag | activate | free | delete
    tracker_id: int | None  # None for create (and for activating a tracker this run creates)
    tracking_number: str  # "" for create
    reason: str  # printed by enforce_pools and returned by the API
    source: str = ""
    medium: str = ""


@dataclass(frozen=True)
class TrackerSnapshot:
    id: int | None
    tracking_number: str
    status: str
    source: str = ""
    medium: str = ""
    flagged_at: datetime | None = None
    has_open_lease: bool = False  # visitor pools: an unexpired open lease; such a tracker is never taken out

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.medium)


@dataclass(frozen=True)
class PoolSnapshot:
    kind: str  # manual | automated
    tracking: str  # source | visitor
    size: int
    utilization: Decimal
    flag_days: int
    is_retired: bool = False
    trackers: tuple[TrackerSnapshot, ...] = field(default_factory=tuple)

    @property
    def max_active(self) -> int:
        return floor(self.size * Decimal(self.utilization))


@dataclass(frozen=True)
class SourceCount:
    source: str
    medium: str
    visits: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.medium)


def sm(source: str, medium: str) -> str:
    return f"{source or '(none)'}/{medium or '(none)'}"


def plan_pool(snapshot: PoolSnapshot, top: list[SourceCount], now: datetime) -> list[PlannedAction]:
    """The actions that bring `snapshot` in line with the rules at `now`, each with its reason.

    Manual pools are never touched (SPEC: their life cycle is "only changed manually", not even a tracker
    Flagged for `flag_days` is expired: its number may be printed on a billboard). Retired pools take every tracker
    out of service: Active ones are flagged (they keep forwarding for `flag_days`), Available ones are
    released, expired Flagged ones are released. Automated visitor pools keep `size` trackers Active
    (their size comes from measured concurrency, see `plan_visitor_pool_size`).
    """
    state = _State(list(snapshot.trackers), now)
    if snapshot.is_retired:
        _plan_retired(snapshot, state, now)
        return state.actions
    if snapshot.kind != "automated":
        return []
    top = _top_list(snapshot, top)
    for _ in range(MAX_PASSES):
        before = len(state.actions)
        _create(snapshot, state)  # 1
        if snapshot.tracking == "visitor":
            _rotate_visitor(snapshot, state)  # 2 + 3
        else:
            _flag_unflag(snapshot, state, top)  # 2
            _activate(snapshot, state, top)  # 3
        _expire_flagged(snapshot, state, now, delete=False)  # 4
        _delete_surplus(snapshot, state)  # 5
        if len(state.actions) == before:
            break
    return state.actions


def plan_visitor_pool_size(peak: int, headroom: Decimal, current: int, max_size: int) -> int:
    """Trackers an automated visitor pool should hold: ceil(peak × headroom), capped at `max_size`,
    but never fewer than the leases open right now (`current`): a lease is never taken away."""
    wanted = ceil(Decimal(peak) * Decimal(headroom))
    return max(min(wanted, max_size), current, 0)


# --- internals -------------------------------------------------------------------------------------


class _State:
    """The pool as the plan so far leaves it. Created trackers get negative placeholder ids."""

    def __init__(self, trackers: list[TrackerSnapshot], now: datetime):
        self.now = now
        self.trackers: dict[int, TrackerSnapshot] = {}
        self.placeholders = 0
        self.actions: list[PlannedAction] = []
        self.keys: dict[int, int] = {}  # id() of a snapshot in `trackers` → its key there
        for tracker in trackers:
            assert tracker.id is not None  # placeholders are made by add(), not passed in
            self.trackers[tracker.id] = tracker
            self.keys[id(tracker)] = tracker.id

    def of_status(self, status: str) -> list[TrackerSnapshot]:
        return sorted((t for t in self.trackers.values() if t.status == status), key=_order)

    def total(self) -> int:
        return len(self.trackers)

    def add(self, action: str, tracker: TrackerSnapshot | None, reason: str, **changes) -> None:
        if action == CREATE:
            self.placeholders += 1
            key = -self.placeholders
            self.trackers[key] = created = TrackerSnapshot(id=None, tracking_number="", status=AVAILABLE)
            self.keys[id(created)] = key
            self.actions.append(PlannedAction(CREATE, None, "", reason))
            return
        assert tracker is not None  # every action but CREATE names its tracker
        key = self.keys.pop(id(tracker))
        if action == DELETE:
            del self.trackers[key]
        else:
            self.trackers[key] = changed = replace(tracker, **changes)
            self.keys[id(changed)] = key
        self.actions.append(PlannedAction(
            action, tracker.id, tracker.tracking_number, reason,
            source=changes.get("source", tracker.source), medium=changes.get("medium", tracker.medium),
        ))


def _order(tracker: TrackerSnapshot):
    # Existing trackers first (lowest id first), then the ones this run creates.
    return (tracker.id is None, tracker.id or 0)


def _top_list(snapshot: PoolSnapshot, top: list[SourceCount]) -> list[SourceCount]:
    ordered = sorted(top, key=lambda c: (-c.visits, c.source, c.medium))
    seen, result = set(), []
    for count in ordered:
        if count.key not in seen:
            seen.add(count.key)
            result.append(count)
    return result[: snapshot.max_active]


def _create(snapshot: PoolSnapshot, state: _State) -> None:
    missing = snapshot.size - state.total()
    for _ in range(max(missing, 0)):
        state.add(CREATE, None, f"the pool holds {state.total()} of {snapshot.size} trackers")


def _flag_unflag(snapshot: PoolSnapshot, state: _State, top: list[SourceCount]) -> None:
    on_top = {c.key: c for c in top}
    for tracker in state.of_status(ACTIVE):
        if tracker.key not in on_top:
            state.add(FLAG, tracker, f"{sm(*tracker.key)} is no longer on the top list",
                      status=FLAGGED, flagged_at=state.now)
    tracked: set[tuple[str, str]] = set()
    for tracker in state.of_status(ACTIVE):
        if tracker.key in tracked:
            state.add(FLAG, tracker, f"another tracker already tracks {sm(*tracker.key)}",
                      status=FLAGGED, flagged_at=state.now)
        tracked.add(tracker.key)
    flagged = _recently_flagged_first(state)
    for tracker in flagged:
        count = on_top.get(tracker.key)
        if count and tracker.key not in tracked:
            state.add(UNFLAG, tracker, f"{sm(*tracker.key)} is back on the top list ({count.visits} visits)",
                      status=ACTIVE, flagged_at=None)
            tracked.add(tracker.key)


def _activate(snapshot: PoolSnapshot, state: _State, top: list[SourceCount]) -> None:
    active = state.of_status(ACTIVE)
    tracked = {t.key for t in active}
    room = snapshot.max_active - len(active)
    available = state.of_status(AVAILABLE)
    for count in top:
        if count.key in tracked:
            continue
        if room <= 0 or not available:
            return
        state.add(ACTIVATE, available.pop(0), f"{sm(*count.key)} is on the top list ({count.visits} visits)",
                  status=ACTIVE, source=count.source, medium=count.medium)
        tracked.add(count.key)
        room -= 1


def _rotate_visitor(snapshot: PoolSnapshot, state: _State) -> None:
    """Visitor pools: `size` trackers in rotation (Active). Extra idle ones are flagged (they keep
    forwarding for the callers who saw them), missing ones are unflagged or activated."""
    active = state.of_status(ACTIVE)
    surplus = len(active) - snapshot.size
    for tracker in reversed(active):
        if surplus <= 0:
            break
        if not tracker.has_open_lease:
            state.add(FLAG, tracker, f"the pool needs only {snapshot.size} trackers in rotation",
                      status=FLAGGED, flagged_at=state.now)
            surplus -= 1
    missing = snapshot.size - len(state.of_status(ACTIVE))
    flagged = _recently_flagged_first(state)
    for tracker in flagged[: max(missing, 0)]:
        state.add(UNFLAG, tracker, f"the pool needs {snapshot.size} trackers in rotation", status=ACTIVE, flagged_at=None)
    missing = snapshot.size - len(state.of_status(ACTIVE))
    for tracker in state.of_status(AVAILABLE)[: max(missing, 0)]:
        state.add(ACTIVATE, tracker, f"the pool needs {snapshot.size} trackers in rotation", status=ACTIVE)


def _expire_flagged(snapshot: PoolSnapshot, state: _State, now: datetime, *, delete: bool) -> None:
    cutoff = now - timedelta(days=snapshot.flag_days)
    for tracker in state.of_status(FLAGGED):
        if tracker.flagged_at is not None and tracker.flagged_at <= cutoff:
            reason = f"flagged for {snapshot.flag_days} days"
            if delete:
                state.add(DELETE, tracker, reason + "; its number is released")
            else:
                state.add(FREE, tracker, reason, status=AVAILABLE, source="", medium="", flagged_at=None)


def _delete_surplus(snapshot: PoolSnapshot, state: _State) -> None:
    # Newest Available trackers go first; a placeholder never gets here (creation only fills up to size).
    for tracker in reversed(state.of_status(AVAILABLE)):
        if state.total() <= snapshot.size:
            return
        state.add(DELETE, tracker, f"the pool holds {state.total()} trackers, more than its size {snapshot.size}")


def _plan_retired(snapshot: PoolSnapshot, state: _State, now: datetime) -> None:
    for tracker in state.of_status(ACTIVE):
        state.add(FLAG, tracker, f"the pool is retired; keeps forwarding for {snapshot.flag_days} days",
                  status=FLAGGED, flagged_at=state.now)
    for tracker in state.of_status(AVAILABLE):
        state.add(DELETE, tracker, "the pool is retired; its number is released")
    _expire_flagged(snapshot, state, now, delete=True)


def _recently_flagged_first(state: _State) -> list[TrackerSnapshot]:
    # The most recently flagged tracker is the one visitors of that source saw last.
    flagged = state.of_status(FLAGGED)
    dated = sorted((t for t in flagged if t.flagged_at is not None), key=lambda t: t.flagged_at, reverse=True)  # type: ignore[arg-type,return-value]  # dated only
    return dated + [t for t in flagged if t.flagged_at is None]


# --- "Why is my pool not activating?" (FAQ) ----------------------------------------------------------


@dataclass(frozen=True)
class WaitingSource:
    """A source/medium on the top list that has no tracker once the plan is applied, and why."""

    source: str
    medium: str
    visits: int
    reason: str  # without the date: faces print `frees_at` in their own time zone
    frees_at: datetime | None = None  # when the next Flagged tracker becomes Available
    next_number: str = ""  # that tracker's number

    @property
    def key(self) -> tuple[str, str]:
        return (self.source, self.medium)


@dataclass(frozen=True)
class PoolDiagnosis:
    waiting: tuple[WaitingSource, ...] = ()
    beyond_cut: tuple[SourceCount, ...] = ()  # enough visits, but size × utilization leaves no room on the list
    below: tuple[SourceCount, ...] = ()  # fewer than min_visits, most visits first
    min_visits: int = 0
    max_active: int = 0
    applies: bool = False  # automated source pools in service only
    top: tuple[SourceCount, ...] = ()

    @property
    def has_room(self) -> bool:
        """Fewer source/mediums qualify than the pool may activate: `below` says why."""
        return self.applies and len(self.top) < self.max_active

    @property
    def explains_something(self) -> bool:
        return self.is_stuck or bool(self.has_room and self.below) or (self.applies and self.max_active == 0)

    @property
    def is_stuck(self) -> bool:
        """The pool cannot follow its rules: a source on the top list waits for a tracker."""
        return bool(self.waiting)


BELOW_SHOWN = 10


def plan_diagnosis(snapshot: PoolSnapshot, counts: list[SourceCount], plan: list[PlannedAction], *,
                   min_visits: int, now: datetime) -> PoolDiagnosis:
    """Why an automated source pool's top sources have (or lack) trackers once `plan` is applied.

    `counts`: every source/medium of the website with its visits in the window (any order). Pure.
    """
    if snapshot.kind != "automated" or snapshot.tracking != "source" or snapshot.is_retired:
        return PoolDiagnosis(min_visits=min_visits, max_active=snapshot.max_active)
    threshold = max(min_visits, 1)
    ordered = sorted(counts, key=lambda c: (-c.visits, c.source, c.medium))
    qualifying = [c for c in ordered if c.visits >= threshold]
    top, beyond = _top_list(snapshot, qualifying), qualifying[snapshot.max_active:]
    final = _after(snapshot, plan, now)
    tracked = {t.key for t in final if t.status == ACTIVE}
    waiting = [_why_waiting(snapshot, final, count) for count in top if count.key not in tracked]
    below = [c for c in ordered if c.visits < threshold][:BELOW_SHOWN]
    return PoolDiagnosis(tuple(waiting), tuple(beyond), tuple(below), min_visits, snapshot.max_active, applies=True,
                         top=tuple(top))


def _after(snapshot: PoolSnapshot, plan: list[PlannedAction], now: datetime) -> list[TrackerSnapshot]:
    """The pool's trackers once `plan` is applied."""
    trackers = {t.id: t for t in snapshot.trackers}
    created: list[TrackerSnapshot] = []
    for action in plan:
        tracker = trackers.get(action.tracker_id) if action.tracker_id is not None else None
        if action.action == CREATE:
            created.append(TrackerSnapshot(id=None, tracking_number="", status=AVAILABLE))
        elif tracker is None:
            spare = next((i for i, t in enumerate(created) if t.status == AVAILABLE), None)
            if action.action == ACTIVATE and spare is not None:  # a tracker this run creates
                created[spare] = replace(created[spare], status=ACTIVE, source=action.source, medium=action.medium)
        elif action.action == DELETE:
            del trackers[action.tracker_id]
        elif action.action == FLAG:
            trackers[action.tracker_id] = replace(tracker, status=FLAGGED, flagged_at=now)
        elif action.action in (UNFLAG, ACTIVATE):
            trackers[action.tracker_id] = replace(tracker, status=ACTIVE, source=action.source, medium=action.medium,
                                                  flagged_at=None)
        elif action.action == FREE:
            trackers[action.tracker_id] = replace(tracker, status=AVAILABLE, source="", medium="", flagged_at=None)
    return [*trackers.values(), *created]


def _why_waiting(snapshot: PoolSnapshot, final: list[TrackerSnapshot], count: SourceCount) -> WaitingSource:
    active = sum(1 for t in final if t.status == ACTIVE)
    flagged = [t for t in final if t.status == FLAGGED and t.flagged_at is not None]
    common: dict = {"source": count.source, "medium": count.medium, "visits": count.visits}
    if active >= snapshot.max_active:
        return WaitingSource(**common, reason=f"all {snapshot.max_active} Active places (size × utilization) are taken")
    if flagged:
        nxt = min(flagged, key=lambda t: (t.flagged_at, t.id or 0))
        assert nxt.flagged_at is not None
        return WaitingSource(**common, reason="no Available tracker; the next Flagged one frees up",
                             frees_at=nxt.flagged_at + timedelta(days=snapshot.flag_days), next_number=nxt.tracking_number)
    if len(final) < snapshot.size:
        return WaitingSource(**common, reason=f"no Available tracker: the pool holds {len(final)} of its "
                                              f"{snapshot.size} numbers (buying the rest failed)")
    return WaitingSource(**common, reason="no Available tracker and none Flagged: every number is Active; raise the size")


# --- Health: can the pool show its numbers? (SPEC "Pool": `health`) -------------------------------------------

OK, NOT_ACTIVATING, CANNOT_BUY_NUMBERS, EXHAUSTED, SHOWING_NO_NUMBERS = (
    "ok", "not_activating", "cannot_buy_numbers", "exhausted", "showing_no_numbers")
HEALTH_STATES = (OK, NOT_ACTIVATING, CANNOT_BUY_NUMBERS, EXHAUSTED, SHOWING_NO_NUMBERS)
HEALTH_LABELS = {OK: "OK", NOT_ACTIVATING: "Not activating", CANNOT_BUY_NUMBERS: "Cannot buy numbers",
                 EXHAUSTED: "Ran out of numbers", SHOWING_NO_NUMBERS: "Showing no numbers"}
CANNOT_BUY_ADVICE = ("Check the account's telephony settings (provider and credentials) and that the provider has "
                     "numbers for this pool's area; the next rules run tries again.")


@dataclass(frozen=True)
class HealthFacts:
    """What the health of one pool is decided from (pools.selectors.pool_health_list gathers it for many)."""

    kind: str
    tracking: str
    is_retired: bool
    size: int
    max_active: int
    max_size: int
    active: int  # live Active trackers
    min_visits: int
    visit_window_days: int
    provision_error: str = ""  # why buying numbers last failed ("" once a purchase succeeds)
    exhausted_recently: int = 0  # visitor pools: sessions that found every number in use in the last 24 h
    has_matching_visit: bool = True  # source pools: an Active tracker's source/medium had a visit in the window
    waiting: tuple[WaitingSource, ...] = ()  # from the diagnosis, when the caller has it (the pool page)


@dataclass(frozen=True)
class PoolHealth:
    state: str  # one of HEALTH_STATES
    reason: str  # what is wrong, with its figures ("" when ok)
    advice: str = ""  # one sentence saying what to do

    @property
    def is_ok(self) -> bool:
        return self.state == OK

    @property
    def label(self) -> str:
        return HEALTH_LABELS[self.state]

    @property
    def sentence(self) -> str:
        """The reason and what to do, as the API's `health.reason` and the pages' tooltip say it."""
        return f"{self.reason} {self.advice}".strip()


def plan_pool_health(facts: HealthFacts) -> PoolHealth:
    """The first problem that keeps the pool from showing numbers, most fundamental first. Pure."""
    f = facts
    if f.is_retired:
        return PoolHealth(OK, "Retired: it shows no numbers and buys none.")
    automated, source = f.kind == "automated", f.tracking == "source"
    if f.provision_error:
        return PoolHealth(CANNOT_BUY_NUMBERS, f"Buying numbers failed: {f.provision_error}", CANNOT_BUY_ADVICE)
    if automated and (f.waiting or not f.active):
        return _not_activating(f)
    if not source and f.exhausted_recently:
        grow = (f"Raise its max size ({f.max_size}) so it can grow to its busiest moment." if automated
                else f"Raise its size ({f.size}) so every visitor gets a number of their own.")
        return PoolHealth(EXHAUSTED, f"{f.exhausted_recently} visitor session{'s' if f.exhausted_recently != 1 else ''} "
                                     "found every number in use in the last 24 hours.", grow)
    if source and not f.active:
        return PoolHealth(SHOWING_NO_NUMBERS, "No number is active, so every visitor sees the original number.",
                          "Activate a number for the source/medium your visitors arrive with (e.g. google / cpc).")
    if source and not f.has_matching_visit:
        return PoolHealth(
            SHOWING_NO_NUMBERS,
            f"None of its {f.active} active numbers' source/mediums had a visit in the last {f.visit_window_days} days, "
            "so every visitor sees the original number.",
            "Check that the snippet is installed, and that each number's source/medium is what visitors arrive with.")
    return PoolHealth(OK, "")


def _not_activating(f: HealthFacts) -> PoolHealth:
    if f.max_active < 1:
        return PoolHealth(NOT_ACTIVATING, f"Size × utilization allows no active number (size {f.size}).",
                          "Raise the pool's size or utilization.")
    if f.waiting:
        first = f.waiting[0]
        more = f" (and {len(f.waiting) - 1} more)" if len(f.waiting) > 1 else ""
        return PoolHealth(NOT_ACTIVATING, f"{sm(first.source, first.medium)} is on the top list with {first.visits} "
                                          f"visits but has no number{more}: {first.reason}.",
                          "Raise the pool's size, or wait for a flagged number to free up.")
    if f.tracking == "source":
        return PoolHealth(NOT_ACTIVATING, f"No number is active yet: no source/medium has {f.min_visits} visits in the "
                                          f"last {f.visit_window_days} days, or no number is free.",
                          "Wait for traffic, lower the minimum visits, or see the pool page for what each source lacks.")
    return PoolHealth(NOT_ACTIVATING, "No number is active: the pool holds none in rotation yet.",
                      "Give it a size (or wait for the first day of visitor samples); the rules run buys the numbers.")

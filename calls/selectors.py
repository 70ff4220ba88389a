"""Reads for calls and the voice webhook."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, Value

from accounts.models import Account, Website
from calls.models import (
    TERMINAL_STATUSES,
    BlockedNumber,
    Call,
    CallEvent,
    CallOutcomeChange,
    ConversionRule,
    Tag,
)
from calls.signals import ring_listener_expressions, ring_listener_names
from core.phones import parse_phone
from core.prepared_sql import CompiledQuery, compiled_query
from trackers.models import CallTracker, Lease, TrackerStatusChange


def tracker_for_inbound_number(*, number: str) -> CallTracker | None:
    """The live tracker a call to `number` is for, whichever account and provider it belongs to.

    No `account=` here: the provider tells us only the dialed number, and a live number belongs to
    exactly one tracker (database constraint), so the lookup cannot cross accounts.
    """
    if not number:
        return None
    return (
        CallTracker.objects.live()
        .select_related("pool", "pool__account")
        .filter(tracking_number=number)
        .first()
    )


@lru_cache(maxsize=4096)  # every inbound call reads its caller's number; callers call again
def caller_e164(raw: str, region: str) -> str:
    """The caller's number in E.164; '' for the "anonymous", "Restricted" or odd strings of hidden caller ids."""
    try:
        return parse_phone(raw, region)
    except ValidationError:
        return ""


@dataclass(frozen=True)
class InboundCall:
    """What the voice webhook needs to know about a call before it answers, read in one query."""

    tracker: CallTracker  # with its pool, the pool's account and the account's telephony settings
    at: datetime
    caller: str  # E.164, '' when hidden or unreadable
    caller_blocked: bool = False  # on the account's block list (number or prefix)
    caller_called_before: bool = False  # an earlier call of this caller to the account
    caller_first_later: bool = False  # a call of this caller that starts later and is still marked first-time
    ring_listeners: frozenset[str] = frozenset()  # calls.signals: who acts on this ringing call's events
    # What attribution reads, when the query read it too (PostgreSQL; else None): the rows of leases_around the call
    # and of assignments_before it.
    attribution: tuple[tuple, tuple] | None = None


SNAPSHOT_FIELDS = ("source", "medium", "campaign", "term", "landing_page", "landing_page_key", "channel", "gclid")
# What attribution reads of a tracker's leases around a call (calls.services): the lease, and its visit's account and
# attribution snapshot.
LEASE_FACT_FIELDS = ("visit_id", "started_at", "expires_at", "ended_at", "is_shared", "visit__website__account_id",
                     *(f"visit__{field}" for field in SNAPSHOT_FIELDS))
# What attribution reads of a source pool tracker's latest status changes at a call (calls.services).
ASSIGNMENT_FACT_FIELDS = ("id", "created_at", "to_status", "source", "medium")
ASSIGNMENTS_READ = 5  # the latest few are enough: the matcher takes the newest one


# How many of a tracker's releases within a call's window are read, the latest first. The matcher picks the latest;
# more than this many in one lease time happen only on a number shared by a crowd, and the latest are still read.
RELEASES_READ = 50


def leases_around(*, tracker_id, call_at, window_start) -> list[tuple]:
    """The tracker's leases that started by `call_at` and are open or were released since `window_start`
    (LEASE_FACT_FIELDS; of those released, the RELEASES_READ released last).

    With `window_start` = the call less the pool's lease time, that is every lease the matcher can pick: a lease
    ends at the earlier of its release and its expiry, so one released before the window neither covered the call
    nor ended within the lease time before it."""
    open_leases, released = _leases_around(tracker_id=tracker_id, call_at=call_at, window_start=window_start)
    return [*open_leases.values_list(*LEASE_FACT_FIELDS), *released.values_list(*LEASE_FACT_FIELDS)]


def _leases_around(*, tracker_id, call_at, window_start):
    """leases_around's two reads, (open, released), short ranges of trackers_lease_end_idx (tracker, ended_at)
    whatever the size of the tracker's history.

    The releases are read newest first with a limit. That keeps PostgreSQL on that index whatever it estimates: the
    voice webhook's `window_start` depends on the pool's lease time, unknown when the query is planned, and a range
    rated at a third of the tracker's leases can look dearer than the (tracker, started_at) index or the table."""
    return (Lease.objects.filter(tracker_id=tracker_id, ended_at__isnull=True, started_at__lte=call_at).order_by("pk"),
            Lease.objects.filter(tracker_id=tracker_id, ended_at__gte=window_start, started_at__lte=call_at)
            .order_by("-ended_at", "-pk")[:RELEASES_READ])


def assignments_before(*, tracker_id, call_at):
    """The tracker's latest status changes at or before `call_at`, newest first (ASSIGNMENT_FACT_FIELDS)."""
    return (TrackerStatusChange.objects.filter(tracker_id=tracker_id, created_at__lte=call_at)
            .order_by("-created_at", "-id").values_list(*ASSIGNMENT_FACT_FIELDS)[:ASSIGNMENTS_READ])


def _json_array(queryset, fields: tuple[str, ...]):
    """PostgreSQL: `queryset`'s rows of `fields` as one array of JSON objects (keys "0", "1"… in `fields` order),
    to read in another query's row."""
    from django.contrib.postgres.expressions import ArraySubquery
    from django.db.models.functions import JSONObject

    return ArraySubquery(queryset.values(json=JSONObject(**{str(index): field for index, field in enumerate(fields)})))


def _json_rows(objects, fields: tuple[str, ...], timestamps: tuple[str, ...]) -> tuple:
    """_json_array's objects as the rows `values_list(*fields)` gives (the `timestamps` fields parsed again)."""
    times = {fields.index(field) for field in timestamps}
    rows = []
    for item in objects:
        row = [item[str(index)] for index in range(len(fields))]
        for index in times:
            row[index] = datetime.fromisoformat(row[index]) if row[index] is not None else None
        rows.append(tuple(row))
    return tuple(rows)


def _attribution_arrays(at) -> dict:
    """PostgreSQL: what attribution reads of the outer query's tracker at `at` — its leases around the call (its
    pool's lease length before it) and its latest status changes — as annotations of the voice webhook's query."""
    window_start = ExpressionWrapper(
        Value(at, output_field=DateTimeField()) - OuterRef("pool__lease_minutes") * Value(timedelta(minutes=1)),
        output_field=DateTimeField())
    open_leases, released = _leases_around(tracker_id=OuterRef("pk"), call_at=at, window_start=window_start)
    assignments = (TrackerStatusChange.objects.filter(tracker_id=OuterRef("pk"), created_at__lte=at)
                   .order_by("-created_at", "-id")[:ASSIGNMENTS_READ])
    return {"open_lease_rows": _json_array(open_leases, LEASE_FACT_FIELDS),
            "released_lease_rows": _json_array(released, LEASE_FACT_FIELDS),
            "assignment_rows": _json_array(assignments, ASSIGNMENT_FACT_FIELDS)}


def _inbound_queryset(*, number, caller, call_sid, at, prefixes, with_attribution: bool = False):
    """The voice webhook's one query (inbound_call_read): the live tracker dialed at `number`, its pool, account
    and telephony settings, annotated with who listens to its ringing call's events and, for a `caller` in E.164,
    the caller's block-list entry (`prefixes`: every prefix of the caller's number) and history."""
    account = OuterRef("pool__account_id")
    facts: dict = {f"ring_{name}": expression for name, expression in ring_listener_expressions(account).items()}
    if caller:
        earlier_calls = Call.objects.filter(account_id=account, caller_number=caller).exclude(provider_call_id=call_sid)
        facts.update(
            caller_blocked=Exists(BlockedNumber.objects.filter(account_id=account, number__in=prefixes)),
            caller_called_before=Exists(earlier_calls.filter(started_at__lt=at)),
            caller_first_later=Exists(earlier_calls.filter(started_at__gt=at, is_first_time_caller=True)),
        )
    if with_attribution:
        facts.update(_attribution_arrays(at))
    return (
        CallTracker.objects.live()
        .select_related("pool", "pool__account", "pool__account__telephony_settings")
        .filter(tracking_number=number)
        .annotate(**facts)
        .order_by("pk")
    )


# Where each request's values go in the compiled query (core.prepared_sql.CompiledQuery): values no request sends.
_NUMBER, _CALLER, _CALL_SID = "\x01number", "\x01caller", "\x01call_sid"
_AT = datetime(1900, 1, 1, 0, 0, 1, tzinfo=UTC)


def _inbound_tracker(*, number: str, caller: str | None, call_sid: str, at: datetime) -> CallTracker | None:
    """The tracker of _inbound_queryset: on PostgreSQL from its SQL built once per connection and shape (a caller
    or not, the caller number's length), planned once (core.prepared_sql); elsewhere through the ORM."""
    prefixes = _prefixes(caller) if caller else []
    listeners = ring_listener_names()
    compiled = compiled_query(
        ("inbound_call", bool(caller), len(prefixes), listeners),
        lambda: CompiledQuery(
            _inbound_queryset(number=_NUMBER, caller=_CALLER if caller else None, call_sid=_CALL_SID, at=_AT,
                              prefixes=[f"\x01prefix{index}" for index in range(len(prefixes))], with_attribution=True)[:1],
            slots={"number": _NUMBER, "at": _AT, **({"caller": _CALLER, "call_sid": _CALL_SID} if caller else {}),
                   **{f"prefix{index}": f"\x01prefix{index}" for index in range(len(prefixes))}},
        ),
    )
    if compiled is None:
        return _inbound_queryset(number=number, caller=caller, call_sid=call_sid, at=at, prefixes=prefixes).first()
    values = {"number": number, "at": at, "caller": caller, "call_sid": call_sid,
              **{f"prefix{index}": prefix for index, prefix in enumerate(prefixes)}}
    trackers = compiled.instances(**values)
    return trackers[0] if trackers else None


def inbound_call_read(*, number: str, caller_number: str, call_sid: str, at: datetime) -> InboundCall | None:
    """The live tracker dialed at `number` (None: not ours) with everything the voice webhook decides on: its pool,
    account and telephony settings (the signature's keys), and, as annotations of the same query, the caller's
    block-list entry, whether the caller called the account before, and who listens to the ringing call's events.

    A caller id in E.164 (what providers send) is the same in every region, so its facts are known before the
    account is; any other form is read in the account's region, with two more queries.
    """
    if not number:
        return None
    caller = caller_e164(caller_number, "") if caller_number.startswith("+") else None
    tracker = _inbound_tracker(number=number, caller=caller, call_sid=call_sid, at=at)
    if tracker is None:
        return None
    listeners = frozenset(name for name in ring_listener_names() if getattr(tracker, f"ring_{name}"))
    attribution = None
    read = vars(tracker)  # the query's annotations
    if "assignment_rows" in read:  # read with the tracker (PostgreSQL)
        attribution = (_json_rows(read["open_lease_rows"] + read["released_lease_rows"], LEASE_FACT_FIELDS,
                                  ("started_at", "expires_at", "ended_at")),
                       _json_rows(read["assignment_rows"], ASSIGNMENT_FACT_FIELDS, ("created_at",)))
    if caller is None:
        return _inbound_call_in_region(tracker=tracker, caller_number=caller_number, call_sid=call_sid, at=at,
                                       listeners=listeners, attribution=attribution)
    return InboundCall(tracker=tracker, at=at, caller=caller, ring_listeners=listeners, attribution=attribution,
                       caller_blocked=getattr(tracker, "caller_blocked", False),
                       caller_called_before=getattr(tracker, "caller_called_before", False),
                       caller_first_later=getattr(tracker, "caller_first_later", False))


def _inbound_call_in_region(*, tracker, caller_number: str, call_sid: str, at: datetime, listeners,
                            attribution) -> InboundCall:
    """A caller id not in E.164, read in the account's region; its facts in queries of their own."""
    account = tracker.pool.account
    caller = caller_e164(caller_number, account.default_region)
    if not caller:
        return InboundCall(tracker=tracker, at=at, caller="", ring_listeners=listeners, attribution=attribution)
    called_before, first_later = caller_history_around(account=account, caller_number=caller, at=at,
                                                       exclude_call_id=call_sid)
    return InboundCall(tracker=tracker, at=at, caller=caller, ring_listeners=listeners, attribution=attribution,
                       caller_blocked=caller_is_blocked(account=account, caller_number=caller),
                       caller_called_before=called_before, caller_first_later=first_later)


def call_for_provider_id(*, provider_call_id: str) -> Call | None:
    """The call a provider callback is about. Keyed by the provider's globally unique call id."""
    if not provider_call_id:
        return None
    return Call.objects.select_related("account").filter(provider_call_id=provider_call_id).first()


def call_ended_legs(*, call: Call) -> frozenset[str]:
    """Which legs of the call reported their end: "inbound" (the caller's leg) and/or "dialed" (the business's)."""
    parents = CallEvent.objects.filter(call=call, status__in=TERMINAL_STATUSES).values_list("parent_call_sid", flat=True)
    return frozenset("dialed" if parent else "inbound" for parent in parents.distinct())


def call_list(*, account, tracker=None):
    calls = Call.objects.filter(account=account)
    if tracker is not None:
        calls = calls.filter(tracker=tracker)
    return calls


def caller_history_around(*, account, caller_number: str, at, exclude_call_id: str = "") -> tuple[bool, bool]:
    """(has an earlier call, has a later call still marked first-time) for that caller in the account, in one
    query: first-time is decided by start time, and a call can reach us after a later-starting one."""
    counts = (
        Call.objects.filter(account=account, caller_number=caller_number)
        .exclude(provider_call_id=exclude_call_id)
        .aggregate(earlier=Count("id", filter=Q(started_at__lt=at)),
                   later_first=Count("id", filter=Q(started_at__gt=at, is_first_time_caller=True)))
    )
    return bool(counts["earlier"]), bool(counts["later_first"])


def conversion_rule_for_call(*, call: Call) -> ConversionRule:
    """The rule of the call's website, or the default rule (unsaved) when none was saved or the call has no pool."""
    rule = ConversionRule.objects.filter(website__pools=call.pool_id).first() if call.pool_id else None
    return rule or ConversionRule()


def conversion_rules_by_website(*, account: Account, websites: list[Website] | None = None) -> dict[int, ConversionRule]:
    """{website id: its rule} for the account's websites (default rules for those without a saved one)."""
    if websites is None:
        websites = list(Website.objects.filter(account=account))
    saved = {rule.website_id: rule for rule in ConversionRule.objects.filter(website__account=account,
                                                                             website__in=[w.pk for w in websites])}
    return {website.pk: saved.get(website.pk) or ConversionRule(website=website) for website in websites}


def call_outcome_history(*, account: Account, call: Call) -> list[CallOutcomeChange]:
    return list(CallOutcomeChange.objects.filter(call__account=account, call=call).select_related("actor")[:50])
def call_list_with_visit(*, account, visit_since=None):
    """The account's calls attributed to a visit OF THE SAME ACCOUNT (both sides scoped), visit joined.

    A call row linked to another tenant's visit (a cross-tenant link saved before the admin was scoped) is
    never read through here, so no export shows another tenant's click ids.
    """
    calls = Call.objects.filter(account=account, visit__isnull=False, visit__website__account=account)
    if visit_since is not None:
        calls = calls.filter(visit__started_at__gte=visit_since)
    return calls.select_related("visit")


def caller_is_blocked(*, account: Account, caller_number: str) -> bool:
    """Whether the account's block list holds the caller's number or a prefix of it: one indexed lookup of every
    prefix ("+1", "+19", "+190", … the whole number)."""
    if not caller_number.startswith("+"):
        return False
    return BlockedNumber.objects.filter(account=account, number__in=_prefixes(caller_number)).exists()


def _prefixes(caller_number: str) -> list[str]:
    return [caller_number[:end] for end in range(2, len(caller_number) + 1)]


def blocked_number_list(*, account: Account):
    return BlockedNumber.objects.filter(account=account).order_by("number", "id")


def tag_list(*, account: Account):
    return Tag.objects.filter(account=account).order_by("name", "id")

"""Writes for pools: create/update, the rules engine run (`pool_enforce`), retire, reassign, sampling."""

import hashlib
import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Account, Website
from core.actors import actor_fields
from core.error_codes import (
    AUTOMATED_POOL,
    CANNOT_BUY_NUMBERS,
    INVALID,
    INVALID_COUNT,
    NO_NUMBERS,
    NUMBER_IN_USE,
    PROVIDER_ERROR,
    RETIRED,
)
from core.errors import DomainError, full_clean_or_raise
from core.phones import parse_phone, phone_display
from core.queue import enqueue_on_commit
from core.updates import model_update
from pools import planner
from pools.models import ConcurrencySample, Pool, PoolChange, PoolNoticeAudio, PoolOriginalNumber
from pools.planner import PlannedAction
from pools.selectors import (
    SIZING_WINDOW,
    open_leases_filter,
    pool_plan,
    pool_preview,
    pools_to_enforce,
)
from telephony.call_flow import call_flow_clean
from telephony.fallback import forward_fallback_url
from telephony.number_search import NumberRequestError, number_request_clean, number_searches
from telephony.providers import ProviderError, provider_for_account
from trackers.models import CallTracker, Lease
from trackers.services import (
    tracker_add,
    tracker_delete,
    tracker_set_original,
    tracker_set_status,
)

logger = logging.getLogger(__name__)
PROVISION_BATCH = 500  # trackers_provision buys at most this many numbers per call
BUY_ATTEMPTS = 5  # retries when a concurrent run took the same candidate numbers

EDITABLE_FIELDS = [
    "name", "kind", "tracking", "original_number", "size", "utilization", "min_visits",
    "visit_window_days", "flag_days", "lease_minutes", "exhaustion", "max_size", "record_calls", "number_request",
    "traffic_filter", "offline", "call_flow",
]


def pool_create(*, account: Account, website: Website, name: str, original_number: str, actor=None, **fields) -> Pool:
    if website.account_id != account.pk:
        raise DomainError(INVALID, "The website belongs to another account.", {"website": ["Unknown website."]})
    try:
        number = parse_phone(original_number, account.default_region)
    except ValidationError as exc:
        raise DomainError(INVALID, exc.messages[0], {"original_number": exc.messages}) from None
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"pool_create got unexpected fields {sorted(unknown)}")
    fields["number_request"] = _number_request(fields.get("number_request"), number)
    if "call_flow" in fields:
        fields["call_flow"] = call_flow_clean(fields["call_flow"], region=account.default_region)
    pool = Pool(account=account, website=website, name=name, original_number=number, **fields)
    full_clean_or_raise(pool)
    with transaction.atomic():
        pool.save()
        pool_original_record(pool=pool, actor=actor, now=pool.created_at)
    _enqueue_enforcement(pool)
    return pool


@transaction.atomic
def pool_update(*, pool: Pool, actor=None, reason: str = "settings changed",
                now: datetime | None = None, **changes) -> bool:
    """Change a pool's settings. Every face (admin, API, dashboard) calls this; a retired pool refuses.

    Saves only the fields that changed, writes one history row (PoolChange) with the actor, and returns
    whether anything changed."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"pool_update got unexpected fields {sorted(unknown)}")
    if pool.is_retired:
        raise DomainError(RETIRED, "This pool is retired and can no longer be changed.")
    if "original_number" in changes:
        try:
            changes["original_number"] = parse_phone(changes["original_number"], pool.account.default_region)
        except ValidationError as exc:
            raise DomainError(INVALID, exc.messages[0], {"original_number": exc.messages}) from None
    if "number_request" in changes:
        changes["number_request"] = _number_request(changes["number_request"],
                                                    changes.get("original_number", pool.original_number))
    if "call_flow" in changes:
        changes["call_flow"] = call_flow_clean(changes["call_flow"], region=pool.account.default_region)
    pool, changed = model_update(instance=pool, fields=EDITABLE_FIELDS, data=changes)
    if not changed:
        return False
    _pool_change_record(pool=pool, changed=changed, actor=actor, reason=reason, now=now)
    if "original_number" in changed:
        pool_original_record(pool=pool, actor=actor, previous=changed["original_number"][0], now=now)
        _fallbacks_mark_pending(pool=pool, now=now)
    _enqueue_enforcement(pool)
    return True


def _number_request(raw, original_number: str) -> dict:
    """The stored number request (`{"type", "country"[, "area_code"]}`); bad input is a DomainError."""
    try:
        return number_request_clean(raw, original_number)
    except NumberRequestError as exc:
        raise DomainError(INVALID, exc.message, {"number_request": [f"{exc.field}: {exc.message}"]}) from None


def _fallbacks_mark_pending(*, pool: Pool, now: datetime | None) -> None:
    """The trackers' provider-side fallbacks still dial the old original: a task moves them (pools.fallbacks)."""
    since = pool.fallback_pending_since or now or timezone.now()
    Pool.objects.filter(pk=pool.pk).update(fallback_pending_since=since)
    pool.fallback_pending_since = since
    enqueue_on_commit("pools.tasks.update_tracker_fallbacks", pool.pk)


def _pool_change_record(*, pool: Pool, changed: dict, actor, reason: str, now: datetime | None) -> PoolChange:
    return PoolChange.objects.create(
        pool=pool, changes={field: [str(old), str(new)] for field, (old, new) in changed.items()},
        **actor_fields(actor), reason=reason[:300], created_at=now or timezone.now(),
    )


def pool_original_record(*, pool: Pool, actor=None, previous: str = "",
                         now: datetime | None = None) -> PoolOriginalNumber:
    """Remember that `pool.original_number` is the pool's original from `now` on, closing the previous one.

    Pools created before the history existed (or by fixtures) have no open row: the number they had
    (`previous`) is recorded as having ended now, so the served script keeps swapping it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = PoolOriginalNumber.objects.select_for_update().filter(pool=pool, ended_at__isnull=True).first()
        if current is not None and current.number == pool.original_number:
            return current
        if current is not None:
            current.ended_at = max(now, current.started_at)
            current.save(update_fields=["ended_at"])
        elif previous and previous != pool.original_number:
            PoolOriginalNumber.objects.create(pool=pool, number=previous, started_at=min(pool.created_at or now, now),
                                              ended_at=now, actor_label="before the history")
        row = PoolOriginalNumber(pool=pool, number=pool.original_number, started_at=now, **actor_fields(actor))
        full_clean_or_raise(row)
        row.save()
    return row


def _enqueue_enforcement(pool: Pool) -> None:
    """Automated pools follow a settings change at once, not at the next scheduled run."""
    if pool.kind != Pool.Kind.AUTOMATED:
        return
    enqueue_on_commit("pools.tasks.enforce_pool", pool.pk)


# --- the rules engine --------------------------------------------------------------------------------


def pool_enforce(*, pool: Pool, now: datetime | None = None, dry_run: bool = False, actor=None) -> list[PlannedAction]:
    """Bring one pool in line with the rules (pools.planner) and return the actions taken, each with its reason.

    One transaction per pool, holding the pool row's lock (select_for_update) while it plans and applies,
    so two runs never interleave. Buying numbers is network I/O (Twilio) and must never happen inside
    that transaction: when the plan needs new trackers, the locked pass changes nothing, the numbers are
    bought outside any transaction (each saved as an Available tracker with its history row), and a second
    locked pass plans again from the database and applies the rest (activating the new trackers). Were two
    runs to buy at the same time, the later locked pass sees the surplus and step 5 deletes it.

    When the provider cannot supply numbers (unreachable, no credentials, nothing matching), the rest of the plan
    is still applied, the pool records why (its health), and PoolCannotBuyNumbers says so; the next run buys what
    is missing.
    """
    now = now or timezone.now()
    if dry_run:
        return pool_preview(pool=pool, now=now)[0]
    applied = _enforce_locked(pool_id=pool.pk, now=now, actor=actor, creates_done=False)
    if applied is not None:
        return applied
    created, failure = _buy_trackers(pool=Pool.objects.select_related("account").get(pk=pool.pk), now=now, actor=actor)
    rest = _enforce_locked(pool_id=pool.pk, now=now, actor=actor, creates_done=True)
    assert rest is not None  # creates_done: nothing waits for a purchase
    actions = created + rest
    if failure is not None:
        raise PoolCannotBuyNumbers(failure, actions=actions)
    return actions


class PoolCannotBuyNumbers(DomainError):
    """A rules run needed numbers and the provider gave none (no credentials, refused, nothing matching the
    search). The rest of the plan was applied (`actions`); the pool records the error for its health."""

    def __init__(self, cause: DomainError, *, actions: list[PlannedAction]):
        super().__init__(cause.code, f"The pool cannot get numbers: {cause.message}", cause.fields)
        self.reason = cause.message
        self.actions = actions


def _pool_resize(*, pool: Pool, size: int, now: datetime) -> None:
    """An automated visitor pool follows its recommended size (the locked run stores what pool_plan planned)."""
    Pool.objects.filter(pk=pool.pk).update(size=size, updated_at=now)
    pool.size = size


def _enforce_locked(*, pool_id: int, now: datetime, actor, creates_done: bool) -> list[PlannedAction] | None:
    """Plan and apply under the pool's lock. None: the plan needs numbers bought first (nothing applied)."""
    with transaction.atomic():
        pool = Pool.objects.select_for_update().select_related("account").get(pk=pool_id)
        planned = pool_plan(pool=pool, now=now)
        if planned.size is not None and planned.size != pool.size:
            _pool_resize(pool=pool, size=planned.size, now=now)
        plan = planned.actions
        if not creates_done and any(action.action == planner.CREATE for action in plan):
            return None
        if not creates_done and pool.last_provision_error:
            _provision_failure_record(pool=pool, message="", now=None)  # it holds the numbers it needs again
        # After buying, anything still to create (the provider ran out) waits for the next run.
        plan = [action for action in plan if action.tracker_id is not None]
        _apply(pool=pool, plan=plan, actor=actor, now=now)
        return plan


def _apply(*, pool: Pool, plan: list[PlannedAction], actor, now: datetime) -> None:
    trackers = {t.pk: t for t in CallTracker.objects.filter(pk__in=[a.tracker_id for a in plan])}
    Status = CallTracker.Status
    for action in plan:
        assert action.tracker_id is not None  # _enforce_locked dropped the creates
        tracker = trackers[action.tracker_id]
        tracker.pool = pool  # activation freezes this (locked, current) pool's original number
        common = {"tracker": tracker, "actor": actor, "reason": action.reason, "now": now}
        if action.action == planner.FLAG:
            tracker_set_status(status=Status.FLAGGED, **common)
        elif action.action == planner.UNFLAG:
            tracker_set_status(status=Status.ACTIVE, **common)
        elif action.action == planner.ACTIVATE:
            tracker_set_status(status=Status.ACTIVE, source=action.source, medium=action.medium, **common)
        elif action.action == planner.FREE:
            tracker_set_status(status=Status.AVAILABLE, **common)
        elif action.action == planner.DELETE:
            tracker_delete(**common)
        else:  # pragma: no cover - the planner only emits the actions above here
            raise ValueError(action.action)


def _buy_trackers(*, pool: Pool, now: datetime, actor) -> tuple[list[PlannedAction], DomainError | None]:
    """Buy the numbers the locked plan asked for. Runs outside any transaction (provider network I/O).

    Another run (or a provisioning elsewhere) may pick the same candidate numbers at the same time: the
    loser's number is given back by trackers_provision, and we count again and retry. Whatever is still
    missing, or bought twice, the next locked pass and the next run settle (steps 1 and 5). Returns the
    numbers bought and, when buying failed for another reason than a race, that failure.
    """
    created: list[PlannedAction] = []
    failure = None
    conflicts = 0
    for _ in range(BUY_ATTEMPTS + pool.size // PROVISION_BATCH + 1):
        # pool.size is already the recommended one for automated visitor pools (the locked pass stored it).
        held = CallTracker.objects.live().filter(pool=pool).count()
        missing = pool.size - held
        if missing <= 0:
            break
        batch = min(missing, PROVISION_BATCH)
        try:
            trackers = trackers_provision(pool=pool, count=batch, status=CallTracker.Status.AVAILABLE, actor=actor, now=now)
        except DomainError as exc:
            logger.warning("pool %s: buying %s numbers failed: %s", pool.pk, batch, exc.message)
            if exc.code != NUMBER_IN_USE:
                failure = exc
                break
            conflicts += 1
            if conflicts >= BUY_ATTEMPTS:
                break
            continue
        for offset, tracker in enumerate(trackers):
            created.append(PlannedAction(planner.CREATE, None, "", f"the pool holds {held + offset} of {pool.size} trackers; "
                                                                   f"bought from {getattr(tracker, 'bought_because', 'the provider')}"))
    return created, failure


# --- buying numbers -------------------------------------------------------------------------------------


def trackers_provision(*, pool, count: int, status: str | None = None, actor=None, now: datetime | None = None) -> list[CallTracker]:
    """Buy `count` numbers from the account's provider and add them to `pool`.

    Source pools get Available trackers (the rules engine activates them); visitor pools get Active
    ones, in rotation at once. Numbers are bought outside any transaction; a row that fails to save
    gives its number back.
    """
    if pool.retired_at is not None:
        raise DomainError(RETIRED, f"{pool} is retired: it gets no new numbers.")
    if count < 1 or count > 500:
        raise DomainError(INVALID_COUNT, "Provision between 1 and 500 numbers at a time.", {"count": ["1–500."]})
    if status is None:
        status = CallTracker.Status.ACTIVE if pool.tracking == Pool.Tracking.VISITOR else CallTracker.Status.AVAILABLE
    now = now or timezone.now()
    try:
        created = _provision(pool=pool, count=count, status=status, actor=actor, now=now)
    except DomainError as exc:
        if exc.code in (PROVIDER_ERROR, NO_NUMBERS, CANNOT_BUY_NUMBERS):
            _provision_failure_record(pool=pool, message=exc.message, now=now)
        raise
    if pool.last_provision_error:
        _provision_failure_record(pool=pool, message="", now=None)
    return created


def _provision_failure_record(*, pool: Pool, message: str, now: datetime | None) -> None:
    """Keep (or clear, with "") why buying numbers last failed: the pool's health reads it (cannot_buy_numbers)."""
    Pool.objects.filter(pk=pool.pk).update(last_provision_error=message[:500], last_provision_error_at=now)
    pool.last_provision_error, pool.last_provision_error_at = message[:500], now


def _provision(*, pool, count: int, status: str, actor, now: datetime) -> list[CallTracker]:
    try:
        provider = provider_for_account(pool.account)
    except ProviderError as exc:  # e.g. Twilio chosen without credentials
        raise DomainError(PROVIDER_ERROR, str(exc)) from None
    exclude = set(CallTracker.objects.live().values_list("tracking_number", flat=True))
    exclude |= set(Pool.objects.values_list("original_number", flat=True))
    candidates = _search_numbers(pool=pool, provider=provider, count=count, exclude=exclude)
    base = settings.PUBLIC_BASE_URL
    created = []
    for number, search in candidates:
        try:
            bought = provider.buy(
                number=number,
                voice_url=f"{base}/telephony/{provider.webhook_prefix}/voice",
                status_url=f"{base}/telephony/{provider.webhook_prefix}/status",
                # Static TwiML hosted by the provider: calls reach the business even when we are down.
                fallback_url=forward_fallback_url(pool.original_number),
            )
        except ProviderError as exc:
            raise DomainError(PROVIDER_ERROR, f"Buying {number} failed: {exc}") from None
        try:
            tracker = tracker_add(
                pool=pool, tracking_number=bought.number, status=status, provider=bought.provider,
                provider_number_id=bought.provider_id,
                fallback_number=pool.original_number if bought.fallback_set else "", actor=actor,
                reason=f"provisioned from {bought.provider}: {search}", now=now,
            )
        except DomainError:
            provider.release(provider_id=bought.provider_id)
            raise
        if not bought.fallback_set:  # the fallback sweep (pools.fallbacks) sets it once the provider can
            _fallbacks_mark_pending(pool=pool, now=now)
        tracker.bought_because = search  # type: ignore[attr-defined]  # which search found it, for the caller's message (also in its history)
        created.append(tracker)
    return created


def bought_summary(trackers: list[CallTracker]) -> str:
    """`bought (720) 555-0101, (720) 555-0102 from area code 720` — what trackers_provision bought and why."""
    by_search: dict[str, list[str]] = {}
    for tracker in trackers:
        by_search.setdefault(getattr(tracker, "bought_because", "the provider"), []).append(phone_display(tracker.tracking_number))
    parts = []
    for search, numbers in by_search.items():
        shown = ", ".join(numbers[:5]) + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")
        parts.append(f"{shown} from {search}")
    return "bought " + "; ".join(parts) if parts else "nothing bought"


def _search_numbers(*, pool, provider, count: int, exclude: set[str]) -> list[tuple[str, str]]:
    """`count` (number, the search that found it) pairs, from the pool's number request's searches in order
    (area code, then region, then near the original). Too few is a `cannot_buy_numbers` DomainError naming
    every search tried; nothing is bought then, and nothing is ever bought from outside the request."""
    found: list[tuple[str, str]] = []
    tried: list[str] = []
    counts: list[str] = []
    for search in number_searches(pool.number_request, pool.original_number):
        try:
            numbers = provider.search(count=count - len(found), exclude=exclude | {n for n, _ in found}, query=search)
        except ProviderError as exc:
            raise DomainError(PROVIDER_ERROR, str(exc)) from None
        tried.append(search.describe())
        counts.append(f"{search.describe()} ({len(numbers)} found)")
        found += [(number, search.describe()) for number in numbers]
        if len(found) >= count:
            return found[:count]
    raise DomainError(
        CANNOT_BUY_NUMBERS,
        f"The {provider.name} provider has {len(found)} of the {count} numbers “{pool}” asked for. Searched: "
        f"{'; '.join(counts)}. Nothing was bought: choose another area code, any area code, or toll-free numbers, for this pool.",
        {"number_request": [f"Not enough numbers for {', then '.join(tried)}."]},
    )


def pools_enforce_all(*, now: datetime | None = None) -> int:
    """The scheduled run: every pool that needs the engine, each in its own transaction. One failing
    pool is logged and does not stop the others."""
    now = now or timezone.now()
    total = 0
    for pool in pools_to_enforce():
        try:
            total += len(pool_enforce(pool=pool, now=now))
        except PoolCannotBuyNumbers as exc:  # expected, recorded on the pool: its health says so
            logger.warning("pool %s: %s", pool.pk, exc.message)
            total += len(exc.actions)
        except Exception:
            logger.exception("enforcing pool %s failed", pool.pk)
    return total


def pool_enforce_by_id(*, pool_id: int) -> int:
    pool = Pool.objects.filter(pk=pool_id).first()
    return len(pool_enforce(pool=pool)) if pool else 0


def pool_retire(*, pool: Pool, actor=None, reason: str = "retired", now: datetime | None = None) -> Pool:
    """Take a pool out of service, keeping its data. Its Active trackers are flagged: they keep forwarding
    calls for `flag_days`, then the engine releases their numbers; Available ones are released now.
    The retirement is a settings-history row (PoolChange) with its actor."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Pool.objects.select_for_update().get(pk=pool.pk)
        if locked.retired_at is None:
            locked.retired_at = now
            locked.save(update_fields=["retired_at", "updated_at"])
            _pool_change_record(pool=locked, changed={"retired_at": (None, now.isoformat())}, actor=actor,
                                reason=reason, now=now)
    pool.retired_at = locked.retired_at
    pool_enforce(pool=locked, now=now, actor=actor)
    return pool


def pool_reassign_original(*, pool: Pool, actor=None, now: datetime | None = None) -> int:
    """Point the pool's Active and Flagged trackers at its current original number; returns how many moved."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Pool.objects.select_for_update().get(pk=pool.pk)
        trackers = (
            CallTracker.objects.live()
            .filter(pool=locked, status__in=[CallTracker.Status.ACTIVE, CallTracker.Status.FLAGGED])
            .exclude(original_number=locked.original_number)
        )
        reason = f"reassigned to the pool's original number {phone_display(locked.original_number)}"
        moved = 0
        for tracker in trackers:
            tracker_set_original(tracker=tracker, original_number=locked.original_number, actor=actor, reason=reason, now=now)
            moved += 1
    return moved


def pools_sample_concurrency(*, now: datetime | None = None) -> int:
    """Record, for every visitor pool in service, how many of its live trackers are leased right now and how many
    are Active, and prune samples older than twice the sizing window. Three queries; the leases are read from the
    open ones only (trackers_lease_open_visit_idx): a count filtered out of the pools' joined leases read every
    lease they ever had (20 s a minute at 10 M leases)."""
    now = now or timezone.now()
    pools = list(Pool.objects.filter(tracking=Pool.Tracking.VISITOR, retired_at__isnull=True).order_by("pk"))
    leased = dict(Lease.objects.filter(open_leases_filter(now), tracker__pool__in=pools, tracker__deleted_at__isnull=True)
                  .values("tracker__pool_id").annotate(n=Count("id")).order_by().values_list("tracker__pool_id", "n"))
    active = dict(CallTracker.objects.live().filter(pool__in=pools, status=CallTracker.Status.ACTIVE)
                  .values("pool_id").annotate(n=Count("id")).order_by().values_list("pool_id", "n"))
    samples = [ConcurrencySample(pool=p, sampled_at=now, leased=leased.get(p.pk, 0), size=active.get(p.pk, 0))
               for p in pools]
    with transaction.atomic():
        ConcurrencySample.objects.bulk_create(samples)
        ConcurrencySample.objects.filter(sampled_at__lt=now - 2 * SIZING_WINDOW).delete()
    return len(samples)


# --- buying numbers by hand (admin action, provision_numbers) ------------------------------------------


def pool_provision(*, pool: Pool, count: int, actor=None) -> list[CallTracker]:
    """Buy `count` numbers for a pool by hand. Automated pools are refused: the rules engine buys their
    numbers to match `size`, and numbers added by hand would be deleted (or flagged, then released) by its
    next run. Network I/O: never call this inside a transaction."""
    if pool.kind == Pool.Kind.AUTOMATED and not pool.is_retired:
        raise DomainError(
            AUTOMATED_POOL,
            f"“{pool}” is automated: the rules engine buys its numbers to match its size ({pool.size}), and numbers "
            "added by hand would be deleted on its next run. Raise the pool's size instead.",
            {"pool": ["Automated pools get their numbers from the rules engine."]},
        )
    return trackers_provision(pool=pool, count=count, actor=actor)


@transaction.atomic
def pool_set_notice_audio(*, pool: Pool, content: bytes | None, content_type: str = "", filename: str = "",
                          actor=None, now: datetime | None = None) -> Pool:
    """Upload (or with `content=None` remove) the recording notice played with <Play> before a recorded call
    connects. MP3 or WAV, at most 2 MB."""
    if pool.is_retired:
        raise DomainError(RETIRED, "This pool is retired and can no longer be changed.")
    old = pool.notice_audio_digest
    if content is None:
        PoolNoticeAudio.objects.filter(pool=pool).delete()
        digest = ""
    else:
        if content_type not in PoolNoticeAudio.CONTENT_TYPES:
            raise DomainError(INVALID, "The recording notice is an MP3 or WAV file.", {"notice_audio": ["MP3 or WAV."]})
        if not content or len(content) > PoolNoticeAudio.MAX_BYTES:
            raise DomainError(INVALID, "The recording notice is at most 2 MB.", {"notice_audio": ["At most 2 MB."]})
        digest = hashlib.sha256(content).hexdigest()
        PoolNoticeAudio.objects.update_or_create(pool=pool, defaults={
            "content": content, "content_type": content_type, "digest": digest, "filename": filename[:200]})
    if digest == old:
        return pool
    Pool.objects.filter(pk=pool.pk).update(notice_audio_digest=digest)
    pool.notice_audio_digest = digest
    _pool_change_record(pool=pool, changed={"recording notice audio": (old[:12] or "none", digest[:12] or "none")},
                        actor=actor, reason="recording notice audio", now=now)
    return pool

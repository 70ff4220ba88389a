"""A new session in ONE statement (trackers.new_session) agrees with the ORM leasing rules (trackers.leasing), the
reference it replaces on PostgreSQL: the same trackers in the same order, the same exhaustion and per-client cap,
and no lease taken twice or stolen under concurrency."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from attribution.models import PageView, Visit, Visitor
from attribution.services import VisitInput
from dni_snippet import services as dni_services
from dni_snippet.services import dni_assign
from pools.models import Pool
from tests.factories import (
    CallTrackerFactory,
    LeaseFactory,
    PoolFactory,
    VisitFactory,
    WebsiteFactory,
)
from tests.trackers.test_leasing_concurrency import run_threads
from trackers.leasing import _free_trackers
from trackers.models import CallTracker, ExhaustionEvent, Lease

pytestmark = pytest.mark.postgres

UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
PAGE = VisitInput(page_url="https://shop.example.com/?utm_source=google&utm_medium=cpc", user_agent=UA,
                  is_page_load=True)


@pytest.fixture(params=["one statement", "orm"])
def path(request, monkeypatch):
    """Runs a test on both paths of a new session; the ORM one is what SQLite runs."""
    if request.param == "orm":
        monkeypatch.setattr(dni_services, "new_session_in_one_statement", lambda: False)
    return request.param


def _start(website, *, client_key="198.51.100.7", visitor_id=None, data=PAGE, now=None, pools=None):
    pools = pools if pools is not None else list(Pool.objects.filter(website=website).order_by("pk"))
    return dni_assign(website=website, pools=pools, visitor_id=visitor_id, session_id=None, data=data,
                      origin="https://shop.example.com", now=now or timezone.now(), client_key=client_key)


def _scenario(now):
    """Six trackers in every state leasing looks at; `visitor` is the pool."""
    website = WebsiteFactory(key="shop", domains=["shop.example.com"])
    pool = PoolFactory(account=website.account, website=website, visitor=True, size=6, lease_minutes=30)
    number = iter(f"+1303555{n:04d}" for n in range(100, 200))

    def tracker(**fields):
        return CallTrackerFactory(pool=pool, active=True, tracking_number=next(number), **fields)

    held = tracker()  # an unexpired lease: not free
    LeaseFactory(tracker=held, visit=VisitFactory(website=website), started_at=now - timedelta(minutes=5),
                 expires_at=now + timedelta(minutes=25))
    lapsed = tracker(lease_released_at=now - timedelta(hours=2))  # its open lease lapsed 10 minutes ago
    LeaseFactory(tracker=lapsed, visit=VisitFactory(website=website), started_at=now - timedelta(minutes=40),
                 expires_at=now - timedelta(minutes=10))
    recent = tracker(lease_released_at=now - timedelta(minutes=5))
    older = tracker(lease_released_at=now - timedelta(minutes=50))
    never = tracker()
    CallTrackerFactory(pool=pool, tracking_number=next(number), status=CallTracker.Status.FLAGGED,
                       flagged_at=now)  # not Active
    tracker(deleted_at=now - timedelta(days=1))  # released
    return website, pool, {"held": held, "lapsed": lapsed, "recent": recent, "older": older, "never": never}


@pytest.mark.django_db
def test_new_sessions_take_trackers_in_the_same_order_on_both_paths(path):
    now = timezone.now()
    website, pool, t = _scenario(now)
    told = []
    for _ in range(5):
        expected = _free_trackers(pool=pool, now=now).first()  # the ORM rules' pick, before the session starts
        numbers = _start(website, client_key=None, now=now).numbers
        told.append(numbers[0]["tracking"] if numbers else None)
        assert told[-1] == (expected.tracking_number if expected else None)
    assert told == [t["never"].tracking_number, t["older"].tracking_number, t["lapsed"].tracking_number,
                    t["recent"].tracking_number, None]
    # The lapsed lease was closed when it lapsed; the held one is untouched; one exhaustion event.
    old = Lease.objects.get(tracker=t["lapsed"], started_at__lt=now)
    assert old.ended_at == old.expires_at
    assert Lease.objects.get(tracker=t["held"]).ended_at is None
    assert Lease.objects.filter(ended_at__isnull=True, is_shared=False).count() == 5
    assert ExhaustionEvent.objects.filter(pool=pool, is_client_cap=False).count() == 1


@pytest.mark.django_db
def test_the_client_cap_and_the_share_policy_agree_on_both_paths(path, settings):
    settings.DNI_CLIENT_LEASES_MIN, settings.DNI_CLIENT_LEASES_SHARE = 2, 0.2
    now = timezone.now()
    website, pool, _ = _scenario(now)
    Pool.objects.filter(pk=pool.pk).update(exhaustion=Pool.Exhaustion.SHARE)
    capped = [_start(website, client_key="198.51.100.7", now=now).numbers for _ in range(4)]
    # max(2, ⌈0.2 × 5 Active trackers⌉) = 2 numbers of its own, then shared ones, each counted as capped.
    assert [Lease.objects.get(visit__session_uid=s).is_shared for s in
            Visit.objects.filter(website=website, started_at=now).order_by("pk").values_list("session_uid", flat=True)
            ] == [False, False, True, True]
    assert all(capped)
    assert ExhaustionEvent.objects.filter(pool=pool, is_client_cap=True, is_shared=True).count() == 2
    assert _start(website, client_key="203.0.113.9", now=now).numbers  # someone else: a number of their own
    assert Lease.objects.filter(client_key="203.0.113.9", is_shared=False).count() == 1


@pytest.mark.django_db
def test_every_lease_carries_its_pool_whichever_path_wrote_it(path, settings):
    """The new-session statement finds a pool's open leases by `Lease.pool_id`: both paths write it, for exclusive
    and for shared leases."""
    settings.DNI_CLIENT_LEASES_MIN, settings.DNI_CLIENT_LEASES_SHARE = 1, 0.0
    now = timezone.now()
    website, pool, _ = _scenario(now)
    Pool.objects.filter(pk=pool.pk).update(exhaustion=Pool.Exhaustion.SHARE)
    before = set(Lease.objects.values_list("pk", flat=True))
    assert _start(website, now=now).numbers and _start(website, now=now).numbers  # its own number, then a shared one
    written = Lease.objects.exclude(pk__in=before)
    assert sorted(written.values_list("is_shared", "pool_id")) == [(False, pool.pk), (True, pool.pk)]


@pytest.mark.django_db
def test_an_open_lease_written_without_its_pool_is_still_never_lent_twice(path):
    """A lease without `pool_id` (none is written so; the column is newer than some rows) leaves its tracker looking
    free to the statement: its insert does nothing and the full rules give the session another tracker."""
    now = timezone.now()
    website, pool, t = _scenario(now)
    Lease.objects.filter(tracker=t["held"]).update(pool_id=None)
    Lease.objects.filter(tracker=t["lapsed"]).update(ended_at=now - timedelta(minutes=10))
    CallTracker.objects.filter(pk=t["held"].pk).update(lease_released_at=None)  # first in line, were it free
    numbers = _start(website, client_key=None, now=now).numbers
    assert numbers[0]["tracking"] == t["never"].tracking_number
    assert Lease.objects.filter(tracker=t["held"], ended_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_a_returning_visitor_keeps_its_row_and_first_touch(path):
    website, _, _ = _scenario(timezone.now())
    first = _start(website)
    later = timezone.now() + timedelta(hours=3)
    again = _start(website, visitor_id=first.visitor_id, now=later,
                   data=VisitInput(page_url="https://shop.example.com/pricing", user_agent=UA))
    visitor = Visitor.objects.get(uid=first.visitor_id)
    assert again.visitor_id == first.visitor_id and again.session_id != first.session_id
    assert (visitor.first_source, visitor.first_medium, visitor.last_seen_at) == ("google", "cpc", later)
    visits = Visit.objects.filter(visitor=visitor).order_by("started_at")
    assert [(v.source, v.medium, v.pageviews) for v in visits] == [("google", "cpc", 1), ("(direct)", "(none)", 1)]
    assert PageView.objects.filter(visit__visitor=visitor).count() == 2
    assert again.numbers  # a lease for the new session too


@pytest.mark.django_db
def test_the_new_session_statement_runs_without_a_transaction_around_it(django_assert_num_queries):
    website, pool, _ = _scenario(timezone.now())
    _start(website)  # the install check ("snippet seen") is written at most every few minutes
    with django_assert_num_queries(1):
        assert _start(website, pools=[pool]).numbers
    # Bound and planned on the server once per connection (core.prepared_sql), so Django logs no SQL text for it.
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%SKIP LOCKED%"])
        prepared = [row[0] for row in cursor.fetchall()]
    assert len(prepared) == 1 and "FOR UPDATE OF t SKIP LOCKED" in prepared[0]


@pytest.mark.django_db(transaction=True)
def test_concurrent_new_sessions_and_lapsed_sessions_coming_back_never_share_or_steal_a_number():
    now = timezone.now()
    website = WebsiteFactory(key="crowd", domains=["shop.example.com"])
    pool = PoolFactory(account=website.account, website=website, visitor=True, size=10, lease_minutes=30)
    trackers = [CallTrackerFactory(pool=pool, active=True) for _ in range(10)]
    # 6 sessions whose leases lapsed a moment ago come back (heartbeats) while 20 new sessions arrive at once,
    # from 20 addresses: more sessions than numbers, and the lapsed leases are what new sessions may close.
    old = [VisitFactory(website=website) for _ in range(6)]
    for visit, tracker in zip(old, trackers[:6], strict=True):
        LeaseFactory(tracker=tracker, visit=visit, started_at=now - timedelta(minutes=40),
                     expires_at=now - timedelta(seconds=1))
    pools = list(Pool.objects.filter(website=website))
    told: dict[str, str | None] = {}
    lock = threading.Lock()

    def tell(result):
        with lock:
            told[result.session_id] = result.numbers[0]["tracking"] if result.numbers else None

    def new_session(n):
        def work():
            tell(dni_assign(website=website, pools=pools, visitor_id=None, session_id=None, data=PAGE, origin="",
                            now=now, client_key=f"198.51.100.{n}"))
        return work

    def coming_back(visit):
        def work():
            for beat in range(3):
                tell(dni_assign(website=website, pools=pools, visitor_id=None, session_id=visit.session_uid,
                                data=VisitInput(page_url="https://shop.example.com/", user_agent=UA), origin="",
                                now=now + timedelta(milliseconds=beat), client_key="203.0.113.1"))
        return work

    run_threads([new_session(n) for n in range(20)] + [coming_back(v) for v in old])

    open_leases = list(Lease.objects.filter(ended_at__isnull=True, is_shared=False)
                       .values_list("tracker__tracking_number", "visit__session_uid"))
    numbers = [number for number, _ in open_leases]
    assert len(numbers) == len(set(numbers)) == 10  # every number lent, none twice
    holder = {session: number for number, session in open_leases}
    for session, number in told.items():
        assert holder.get(session) == number  # what each session was last told is what it holds
    assert connection.vendor == "postgresql"

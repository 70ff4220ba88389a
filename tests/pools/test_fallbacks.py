"""Issue 22 item 7: the provider-side fallback (the Twimlet dialled when callpool is down) follows the pool's
original number — a queued task per pool, retried, idempotent, shown on the pool page until done."""

from unittest import mock

import pytest
from django.urls import reverse
from django_q.models import Schedule

from core.schedules import register_schedules
from pools.fallbacks import pool_fallbacks_update
from pools.models import Pool
from pools.services import pool_update, trackers_provision
from pools.tasks import update_pending_tracker_fallbacks
from telephony.fallback import forward_fallback_url
from telephony.providers import ProviderError
from telephony.providers.sandbox import SandboxProvider
from tests.factories import CallTrackerFactory, PoolFactory
from trackers.models import CallTracker

OLD, NEW = "+12025550150", "+12025550177"


@pytest.fixture(autouse=True)
def fresh_sandbox_record(monkeypatch):
    monkeypatch.setattr(SandboxProvider, "fallback_urls", {})


@pytest.fixture
def pool(account, website):
    pool = PoolFactory(account=account, website=website, name="Print", original_number=OLD)
    trackers_provision(pool=pool, count=3)
    return pool


def _fallbacks(pool) -> dict[str, str]:
    """What the sandbox provider holds for each of the pool's live numbers."""
    return {t.tracking_number: SandboxProvider.fallback_urls.get(t.provider_number_id, "(as bought)")
            for t in CallTracker.objects.live().filter(pool=pool)}


def test_numbers_are_bought_knowing_which_number_their_fallback_dials(pool):
    assert set(CallTracker.objects.filter(pool=pool).values_list("fallback_number", flat=True)) == {OLD}
    pool.refresh_from_db()
    assert pool.fallback_pending_since is None


def test_changing_the_original_updates_every_trackers_fallback(pool, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # Q_SYNC: the queued task runs inline on commit
        pool_update(pool=pool, original_number="(202) 555-0177")

    assert _fallbacks(pool) == {number: forward_fallback_url(NEW) for number in _fallbacks(pool)}
    assert len(_fallbacks(pool)) == 3
    assert set(CallTracker.objects.filter(pool=pool).values_list("fallback_number", flat=True)) == {NEW}
    pool.refresh_from_db()
    assert (pool.fallback_pending_since, pool.fallback_error) == (None, "")


def test_the_update_is_queued_only_after_the_change_commits(pool, django_capture_on_commit_callbacks):
    with mock.patch("core.queue.async_task", autospec=True) as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            pool_update(pool=pool, original_number=NEW)
            assert enqueue.call_count == 0
            pool.refresh_from_db()
            assert pool.fallback_pending_since is not None
    enqueue.assert_called_once_with("pools.tasks.update_tracker_fallbacks", pool.pk)


def test_other_changes_queue_no_fallback_update(pool, django_capture_on_commit_callbacks):
    with mock.patch("core.queue.async_task", autospec=True) as enqueue:
        with django_capture_on_commit_callbacks(execute=True):
            pool_update(pool=pool, size=5)
    enqueue.assert_not_called()
    pool.refresh_from_db()
    assert pool.fallback_pending_since is None


def test_a_provider_failure_leaves_the_pool_pending_and_a_retry_completes_it(pool, django_capture_on_commit_callbacks):
    real = SandboxProvider.set_fallback
    failing = {CallTracker.objects.filter(pool=pool).order_by("pk")[1].provider_number_id}

    def flaky(self, *, provider_id, fallback_url):
        if provider_id in failing:
            raise ProviderError("HTTP 503 from the provider")
        return real(self, provider_id=provider_id, fallback_url=fallback_url)

    with mock.patch.object(SandboxProvider, "set_fallback", flaky):
        with django_capture_on_commit_callbacks(execute=True):
            pool_update(pool=pool, original_number=NEW)

    pool.refresh_from_db()
    assert pool.fallback_pending_since is not None
    assert "HTTP 503" in pool.fallback_error
    assert sorted(CallTracker.objects.filter(pool=pool).values_list("fallback_number", flat=True)) == sorted([NEW, NEW, OLD])

    failing.clear()  # the provider is back: the scheduled sweep retries
    assert update_pending_tracker_fallbacks() == 1

    pool.refresh_from_db()
    assert (pool.fallback_pending_since, pool.fallback_error) == (None, "")
    assert set(_fallbacks(pool).values()) == {forward_fallback_url(NEW)}


def test_running_the_update_again_is_a_no_op(pool, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        pool_update(pool=pool, original_number=NEW)
    with mock.patch.object(SandboxProvider, "set_fallback", side_effect=AssertionError("called again")):
        assert pool_fallbacks_update(pool_id=pool.pk) == 0
        assert update_pending_tracker_fallbacks() == 0


def test_released_and_hand_added_numbers_are_left_alone(account, website, django_capture_on_commit_callbacks):
    pool = PoolFactory(account=account, website=website, original_number=OLD)
    bought = trackers_provision(pool=pool, count=2)
    CallTracker.objects.filter(pk=bought[0].pk).update(deleted_at=bought[0].created_at)
    manual = CallTrackerFactory(pool=pool, provider="manual", provider_number_id="")

    with django_capture_on_commit_callbacks(execute=True):
        pool_update(pool=pool, original_number=NEW)

    assert set(SandboxProvider.fallback_urls) == {bought[1].provider_number_id}
    manual.refresh_from_db()
    assert manual.fallback_number == ""
    pool.refresh_from_db()
    assert pool.fallback_pending_since is None


def test_numbers_bought_while_pending_dial_the_new_original_at_once(pool, django_capture_on_commit_callbacks):
    with mock.patch("core.queue.async_task", autospec=True):  # the update has not run yet
        with django_capture_on_commit_callbacks(execute=True):
            pool_update(pool=pool, original_number=NEW)
    pool.refresh_from_db()
    added = trackers_provision(pool=pool, count=1)[0]

    assert added.fallback_number == NEW
    assert pool_fallbacks_update(pool_id=pool.pk) == 3


def test_the_pool_page_shows_the_pending_update_until_done(marketer_client, pool, django_capture_on_commit_callbacks):
    with mock.patch("core.queue.async_task", autospec=True):
        with django_capture_on_commit_callbacks(execute=True):
            pool_update(pool=pool, original_number=NEW)
    Pool.objects.filter(pk=pool.pk).update(fallback_error="+12025550101: HTTP 503 from the provider")
    url = reverse("dashboard:pool_detail", args=[pool.pk])

    page = marketer_client.get(url).content.decode()
    assert "Updating the fallback number" in page
    assert "3 tracking numbers still fall back to the old one" in page
    assert "HTTP 503 from the provider" in page

    update_pending_tracker_fallbacks()
    assert "Updating the fallback number" not in marketer_client.get(url).content.decode()


def test_the_retry_is_a_scheduled_job(db):
    register_schedules()
    job = Schedule.objects.get(name="update pending tracker fallbacks")
    assert (job.func, job.minutes) == ("pools.tasks.update_pending_tracker_fallbacks", 5)

"""Fault with real components: the test starts its own redis-server (cache and task broker), stops it around a
call's completion and starts it again, empty, as after a crash. Every webhook delivery and the GA4 event still go
out exactly once afterwards: they are outbox rows written with the call (integrations), the queue only wakes the
worker, and the sweeper sends what a lost wake-up left. Receivers: the local HTTP receiver (tests/support.py)."""

import importlib
import shutil
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.signing import SignedPackage

from calls.models import Call, ConversionRule
from calls.outcomes import call_set_outcome
from integrations.models import GA4Delivery, WebhookDelivery
from integrations.tasks import send_due
from tests.calls.payloads import BASE, TEST_TOKEN, sign
from tests.factories import CallTrackerFactory, LeaseFactory, PoolFactory, VisitFactory
from tests.integrations.factories import GA4SettingsFactory, WebhookEndpointFactory
from tests.integrations.test_call_completion_end_to_end import CALL_EVENTS, TALK, TOTAL, _callbacks
from tests.support import OwnRedis, local_receiver

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")]


@pytest.fixture
def own_redis(tmp_path):
    redis = OwnRedis(tmp_path)
    redis.start()
    yield redis
    redis.stop()


@pytest.fixture
def redis_broker(own_redis, monkeypatch):
    """django-q2 as in production (not Q_SYNC): tasks go to the test's own Redis, a worker runs them."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "DJANGO_REDIS", None)
    monkeypatch.setattr(Conf, "REDIS", f"redis://127.0.0.1:{own_redis.port}/0")
    caches = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": f"redis://127.0.0.1:{own_redis.port}/1"}}
    with override_settings(CACHES=caches):
        yield own_redis


def run_worker() -> int:
    """What a qcluster worker does with the queue: take each task and run it. Returns how many ran."""
    broker = get_broker()
    ran = 0
    while item := broker.connection.lpop(broker.list_key):
        task = SignedPackage.loads(item)
        module, name = task["func"].rsplit(".", 1)
        getattr(importlib.import_module(module), name)(*task["args"], **task["kwargs"])
        ran += 1
    return ran


@pytest.fixture
def twilio_post(client, settings):
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = TEST_TOKEN
    settings.PUBLIC_BASE_URL = BASE

    def post(path: str, params: dict):
        response = client.post(path, data=params, HTTP_X_TWILIO_SIGNATURE=sign(params, path))
        assert response.status_code == 200, response.content
        return response

    return post


@pytest.mark.django_db(transaction=True)
def test_a_redis_outage_around_call_completion_loses_and_doubles_nothing(redis_broker, twilio_post, account, website,
                                                                        settings, account_admin):
    with local_receiver() as receiver:
        settings.WEBHOOKS_ALLOW_PRIVATE = True
        settings.GA4_COLLECT_URL = f"{receiver.url}/mp/collect"
        ConversionRule.objects.create(website=website, min_seconds=30, value="80.00")
        GA4SettingsFactory(website=website)
        WebhookEndpointFactory(account=account, url=f"{receiver.url}/hook", event_types=CALL_EVENTS)
        pool = PoolFactory(account=account, website=website, visitor=True, original_number="+12025550100")
        tracker = CallTrackerFactory(pool=pool, active=True)
        visit = VisitFactory(website=website, ga_client_id="111.222", ga_session_id="")
        LeaseFactory(tracker=tracker, visit=visit, started_at=timezone.now() - timedelta(minutes=1))
        callbacks = _callbacks(tracker, first_end="dialed")

        # Redis up: the call starts; its wake-ups wait in Redis for a worker that has not run yet.
        for path, params in callbacks[:4]:
            twilio_post(path, params)
        assert get_broker().queue_size() >= 1

        # Redis dies (its queue with it) and the call completes while it is down: Twilio still gets 200s.
        redis_broker.stop()
        for path, params in callbacks[4:]:
            twilio_post(path, params)
        call = Call.objects.get()
        assert call.is_conversion and call.talk_seconds == TALK
        assert receiver.hits == []
        pending = WebhookDelivery.objects.filter(status="pending").count()
        assert pending >= 3 and GA4Delivery.objects.filter(status="pending").count() == 1

        # Redis is back, empty. The worker finds nothing queued; the scheduled sweeper sends what is due.
        redis_broker.start()
        assert run_worker() == 0
        assert send_due() == pending + 1
        # Twilio retries its callbacks and someone sets the outcome (wake-ups queued again), the sweeper runs again.
        for path, params in callbacks[1:]:
            twilio_post(path, params)
        call_set_outcome(call=call, outcome="sale", note="Boiler")
        run_worker()
        send_due()
        run_worker()

    events = [hit.json()["type"] for hit in receiver.of("/hook")]
    msg_ids = [hit.headers["webhook-id"] for hit in receiver.of("/hook")]
    ga4 = receiver.of("/mp/collect")
    print(f"\nwebhooks sent: {sorted(events)}; GA4 events sent: {len(ga4)}")
    assert sorted(events) == sorted(["call.started", "call.completed", "call.converted", "call.attributed",
                                     "call.updated"])
    assert len(set(msg_ids)) == len(msg_ids)
    assert not WebhookDelivery.objects.exclude(status="succeeded").exists()
    [ga4_hit] = ga4
    params = ga4_hit.json()["events"][0]["params"]
    assert (params["call_duration_seconds"], params["talk_seconds"]) == (TOTAL, TALK)
    assert GA4Delivery.objects.get().status == "sent"

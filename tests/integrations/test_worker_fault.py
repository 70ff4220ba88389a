"""Fault: the worker is stopped while webhooks are published. The deliveries wait in the queue and go out
exactly once when a real `manage.py qcluster` (started by this test) comes back. PostgreSQL only: the worker
is another process and must see the test's committed rows."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import OrmQ

from integrations.models import WebhookDelivery
from integrations.services import webhook_event_publish
from tests.factories import AccountFactory
from tests.integrations.factories import WebhookEndpointFactory
from tests.support import local_receiver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def receiver():
    with local_receiver() as server:
        yield server


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_webhooks_wait_for_a_stopped_worker_and_go_out_once(receiver, monkeypatch, tmp_path):
    url, hits = f"{receiver.url}/in", receiver.hits
    monkeypatch.setattr(Conf, "SYNC", False)  # a real queue, as in production
    account = AccountFactory()
    WebhookEndpointFactory(account=account, url=url, event_types=["call.completed"])
    deliveries = [webhook_event_publish(account_id=account.pk, event_type="call.completed", data={"id": n})[0]
                  for n in range(3)]
    assert get_broker().queue_size() == 3  # the broker in use: the database, or Redis with REDIS_URL
    # An hour without a worker: nothing is sent, nothing is lost.
    OrmQ.objects.update(lock=timezone.now() - timedelta(hours=1))
    time.sleep(1)
    assert hits == []

    db = connection.settings_dict
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
           "Q_SYNC": "false", "DEBUG": "true", "WEBHOOKS_ALLOW_PRIVATE": "true", "Q_WORKERS": "1"}
    if settings.REDIS_URL:  # the worker reads the same broker the test enqueued on
        env["REDIS_URL"] = settings.REDIS_URL
    else:
        env.pop("REDIS_URL", None)
    log = open(tmp_path / "qcluster.log", "wb")
    worker = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "qcluster"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(hits) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # anything sent twice would arrive by now
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        log.close()
    assert sorted(hit.headers["webhook-id"] for hit in hits) == sorted(d.msg_id for d in deliveries), (tmp_path / "qcluster.log").read_text()[-2000:]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"succeeded"}

"""Fault: no worker runs while a converting call completes. Its GA4 event waits in the queue (nothing is sent,
nothing is lost) and goes out exactly once to a local Measurement Protocol receiver when a real
`manage.py qcluster` (started by this test, GA4_COLLECT_URL pointed at the receiver) comes back.
PostgreSQL only: the worker is another process and must see the test's committed rows."""

import json
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_q.conf import Conf

from calls.models import ConversionRule
from calls.simulation import call_simulate
from integrations.models import GA4Delivery
from tests.dni_snippet.conftest import BROWSER_UA
from tests.factories import CallTrackerFactory, PoolFactory
from tests.integrations.factories import GA4SettingsFactory
from tests.support import local_receiver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def collect():
    with local_receiver() as server:
        yield server


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_ga4_event_waits_for_a_stopped_worker_and_goes_out_once(client, account, website, collect, monkeypatch,
                                                               tmp_path):
    url, hits = f"{collect.url}/mp/collect", collect.hits
    monkeypatch.setattr(Conf, "SYNC", False)  # a real queue, as in production
    monkeypatch.setattr(settings, "PUBLIC_BASE_URL", "http://testserver")
    pool = PoolFactory(account=account, website=website, visitor=True, original_number="+12025550100", size=1,
                       lease_minutes=30)
    CallTrackerFactory(pool=pool, active=True)
    ConversionRule.objects.create(website=website, min_seconds=30, value=Decimal("80.00"))
    GA4SettingsFactory(website=website)
    shown = client.post("/dni/alicesite/assign", content_type="application/json",
                        HTTP_ORIGIN="https://alice.example.com", HTTP_USER_AGENT=BROWSER_UA,
                        data=json.dumps({"page_url": "https://alice.example.com/?gclid=Cj0Fault",
                                         "ga_client_id": "555.1700000000", "ga_session_id": "1700000555"}))
    assert shown.status_code == 200, shown.content

    # A converting call (45 s) completes through the real webhooks while no worker runs: nothing is sent.
    call = call_simulate(tracking_number=shown.json()["numbers"][0]["tracking"], caller_number="+14155550123",
                         duration_seconds=45)
    assert call.is_conversion
    delivery = GA4Delivery.objects.get(call=call)
    assert delivery.status == GA4Delivery.Status.PENDING
    time.sleep(1)
    assert hits == []

    db = connection.settings_dict
    env = {**os.environ, "Q_SYNC": "false", "DEBUG": "true", "Q_WORKERS": "1", "GA4_COLLECT_URL": url,
           "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
                           f"{db['PORT'] or 5432}/{db['NAME']}"}
    if settings.REDIS_URL:  # the worker reads the same broker the test enqueued on
        env["REDIS_URL"] = settings.REDIS_URL
    else:
        env.pop("REDIS_URL", None)
    log = open(tmp_path / "qcluster.log", "wb")
    worker = subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "qcluster"], env=env, cwd=ROOT,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 45
        while not hits and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(2)  # a second send would arrive by now
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()
        log.close()

    assert len(hits) == 1, (tmp_path / "qcluster.log").read_text()[-2000:]
    path, body = hits[0].path, hits[0].json()
    assert path.startswith("/mp/collect?") and "measurement_id=" in path
    assert body["client_id"] == "555.1700000000"
    [event] = body["events"]
    assert (event["name"], event["params"]["value"], event["params"]["talk_seconds"]) == ("phone_call", 80.0, 45)
    delivery.refresh_from_db()
    assert delivery.status == GA4Delivery.Status.SENT
    assert GA4Delivery.objects.filter(call=call).count() == 1

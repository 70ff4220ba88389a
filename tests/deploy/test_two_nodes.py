"""Two nodes, one database: two gunicorn processes and two django-q2 clusters (separate processes) on one
PostgreSQL database and one Redis, driven concurrently like a production pair of machines.

Checks: no number leased twice, no session lost its number, every scheduled job ran once per period (not once
per cluster), every webhook reached the local receiver exactly once, no GA4 event was sent twice.
Needs PostgreSQL and REDIS_URL (CI's PostgreSQL + Redis pass); about a minute and a half.
"""

import json
import os
import subprocess
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from tests.support import (
    LocalReceiver,
    free_port,
    start_gunicorn,
    start_qcluster,
    stop_processes,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

SESSIONS = 1_050
TRACKERS = 700  # fewer numbers than sessions: the last ones meet an exhausted pool
CALLS = 40
ORIGIN = "https://twonode.example.com"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def node_env(receiver: LocalReceiver) -> dict:
    db = connection.settings_dict  # the test database
    return dict(
        os.environ,
        DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        REDIS_URL=settings.REDIS_URL, Q_SYNC="false", Q_WORKERS="1", DNI_RATE_LIMIT="1000000", DEBUG="false",
        ALLOWED_HOSTS="*", LOG_LEVEL="WARNING", GA4_COLLECT_URL=f"{receiver.url}/ga4", WEBHOOKS_ALLOW_PRIVATE="true",
        DJANGO_SETTINGS_MODULE="config.settings",
        # Every simulated visitor comes from 127.0.0.1: lift the per-client lease cap, as for an office's address.
        DNI_CLIENT_LEASES_MIN="1000000",
    )


def start_nodes(env: dict, tmp_path) -> tuple[list[subprocess.Popen], list[int]]:
    ports = [free_port(), free_port()]
    procs: list[subprocess.Popen] = []
    try:
        for port in ports:
            procs.append(start_gunicorn(env=env, port=port, workers=2, log=tmp_path / f"gunicorn-{port}.log",
                                        args=["--log-level", "warning"], ready_seconds=120))
    except RuntimeError:
        stop_processes(procs)
        raise
    procs += [start_qcluster(env=env, log=tmp_path / f"qcluster-{n}.log") for n in range(2)]
    return procs, ports


def post(port: int, path: str, data: bytes, headers: dict) -> tuple[int, bytes]:
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def assign(port: int, body: dict) -> dict:
    status, raw = post(port, "/dni/twonode/assign", json.dumps(body).encode(),
                       {"Content-Type": "application/json", "Origin": ORIGIN, "User-Agent": UA})
    assert status == 200, raw[:300]
    return json.loads(raw)


def twilio(port: int, path: str, params: dict, token: str) -> int:
    from telephony.webhooks import twilio_signature

    signature = twilio_signature(token=token, url=settings.PUBLIC_BASE_URL + path, params=params)
    status, _ = post(port, path, urlencode(params).encode(),
                     {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature})
    return status


@pytest.fixture
def site(transactional_db, settings):
    from django_q.models import Schedule

    from accounts.models import Account, Website
    from core.schedules import register_schedules
    from integrations.models import GA4Settings, WebhookEvent
    from integrations.services import webhook_endpoint_create
    from pools.models import Pool
    from trackers.models import CallTracker

    settings.WEBHOOKS_ALLOW_PRIVATE = True
    account = Account.objects.create(name="Two nodes Co")
    website = Website.objects.create(account=account, name="Two nodes", key="twonode", domains=["twonode.example.com"],
                                     allowed_origins=[ORIGIN])
    pool = Pool.objects.create(account=account, website=website, name="Main line", tracking="visitor",
                               original_number="+12025550100", size=TRACKERS, lease_minutes=30)
    CallTracker.objects.bulk_create(
        CallTracker(pool=pool, tracking_number=f"+1{600 + n // 100}5550{100 + n % 100}", status="active",
                    original_number=pool.original_number)
        for n in range(TRACKERS)
    )
    service = Pool.objects.create(account=account, website=website, name="Service line", tracking="source",
                                  original_number="+12025550150", size=1)
    CallTracker.objects.create(pool=service, tracking_number="+17995550150", status="active", source="(direct)",
                               medium="(none)", original_number=service.original_number)
    receiver = LocalReceiver()
    webhook_endpoint_create(account=account, url=f"{receiver.url}/hook",
                            event_types=[WebhookEvent.CALL_STARTED, WebhookEvent.CALL_COMPLETED, WebhookEvent.CALL_ATTRIBUTED])
    GA4Settings.objects.create(website=website, measurement_id="G-TWONODE", api_secret="local-secret")
    register_schedules()
    due_at = timezone.now() - timedelta(seconds=1)
    Schedule.objects.update(next_run=due_at)  # every job is due when the clusters start
    yield {"account": account, "receiver": receiver, "pool": pool, "due_at": due_at}
    receiver.close()


def drive_sessions(ports: list[int]) -> tuple[dict, list[str]]:
    """Every session opens on one node and heartbeats on the other, all at once (16 threads)."""
    told: dict[str, list] = {}
    problems: list[str] = []

    def one(n: int) -> None:
        try:
            first = assign(ports[n % 2], {"page_url": f"{ORIGIN}/", "ga_client_id": f"{1000 + n}.1700000000"})
            sid, vid = first["session_id"], first["visitor_id"]
            numbers = [first["numbers"]]
            again = assign(ports[(n + 1) % 2], {"page_url": f"{ORIGIN}/", "session_id": sid, "visitor_id": vid})
            numbers.append(again["numbers"])
            told[sid] = numbers
        except Exception as exc:  # counted, never hidden
            problems.append(f"session {n}: {exc!r}")

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(one, range(SESSIONS)))
    return told, problems


def place_calls(ports: list[int], told: dict, account) -> int:
    """Calls to numbers sessions hold: the voice webhook on one node, the completion on the other."""
    from telephony.credentials import webhook_auth_token

    token = webhook_auth_token(account)
    held = [numbers[-1][0]["tracking"] for numbers in told.values() if len(numbers[-1]) == 2][:CALLS]
    statuses = []

    def one(args):
        n, number = args
        base = {"AccountSid": "AC" + "0" * 32, "CallSid": f"CAtwonode{n:06d}", "From": f"+1415555{n:04d}",
                "To": number, "Direction": "inbound"}
        statuses.append(twilio(ports[n % 2], "/telephony/twilio/voice", {**base, "CallStatus": "ringing"}, token))
        # The dialed leg answers and talks 42 s (a conversion under the default 30 s rule), then the inbound
        # leg completes: the events alternate between the two nodes.
        dialed = {**base, "Direction": "outbound-dial", "CallSid": f"CAtwoleg{n:06d}", "ParentCallSid": base["CallSid"],
                  "CallbackSource": "call-progress-events"}
        for sequence, (status, extra) in enumerate([("in-progress", {}), ("completed", {"CallDuration": "42"})]):
            statuses.append(twilio(ports[(n + sequence + 1) % 2], "/telephony/twilio/status",
                                   {**dialed, **extra, "CallStatus": status, "SequenceNumber": str(sequence)}, token))
        statuses.append(twilio(ports[(n + 1) % 2], "/telephony/twilio/status",
                               {**base, "CallStatus": "completed", "CallDuration": "45"}, token))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, enumerate(held)))
    assert statuses and set(statuses) == {200}, Counter(statuses)
    return len(held)


def test_two_web_nodes_and_two_workers_share_one_database(site, tmp_path):
    from django_q.models import Schedule, Task

    from integrations.models import GA4Delivery, WebhookDelivery
    from trackers.models import Lease

    receiver = site["receiver"]
    connection.close()  # the nodes need no lock of ours
    procs, ports = start_nodes(node_env(receiver), tmp_path)
    started = time.monotonic()
    try:
        told, problems = drive_sessions(ports)
        calls = place_calls(ports, told, site["account"])
        pending = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
        assert wait_for(lambda: WebhookDelivery.objects.exists() and not pending.exists()
                        and not GA4Delivery.objects.filter(status=GA4Delivery.Status.PENDING).exists(), 60)
        # Both clusters ran their scheduler at least once (every ~30 s from their start).
        time.sleep(max(0.0, 40 - (time.monotonic() - started)))
        # Every job, however many there are, had its first run (one worker per cluster takes them in turn).
        wait_for(lambda: all(Task.objects.filter(group=name).exists()
                             for name in Schedule.objects.values_list("name", flat=True)), 120)
    finally:
        stop_processes(procs)
    elapsed = (timezone.now() - site["due_at"]).total_seconds()  # since every job became due

    # Sessions: each kept its number on every heartbeat, whichever node answered; no number held twice.
    assert problems == []
    assert len(told) == SESSIONS
    lost = [sid for sid, numbers in told.items() if len(numbers[0]) == 2 and any(n != numbers[0] for n in numbers)]
    assert lost == []
    # Every number went to a session's first request: none saw the original while a number was still free
    # (lost races are retried until one is granted or none is left: trackers.leasing.lease_acquire).
    with_number = {sid: numbers[-1][0]["tracking"] for sid, numbers in told.items() if len(numbers[-1]) == 2}
    assert len(with_number) == TRACKERS  # the pool ran out: the rest saw the original visitor number
    assert sum(1 for numbers in told.values() if len(numbers[0]) == 2) == TRACKERS
    assert len(set(with_number.values())) == TRACKERS
    open_leases = list(Lease.objects.filter(ended_at__isnull=True, is_shared=False)
                       .values_list("visit__session_uid", "tracker__tracking_number"))
    assert len(open_leases) == len({number for _, number in open_leases}) == TRACKERS
    assert dict(open_leases) == with_number

    # Webhooks: every delivery reached the receiver exactly once.
    deliveries = list(WebhookDelivery.objects.values_list("msg_id", "status"))
    assert len(deliveries) == 3 * calls
    assert {status for _, status in deliveries} == {WebhookDelivery.Status.SUCCEEDED}
    received = Counter(headers.get("webhook-id") for _, headers, _ in receiver.of("/hook"))
    assert received == Counter(msg_id for msg_id, _ in deliveries)

    # GA4: one event per converting call, none twice.
    sent = GA4Delivery.objects.filter(status=GA4Delivery.Status.SENT).count()
    ga4_clients = Counter(json.loads(body)["client_id"] for _, _, body in receiver.of("/ga4"))
    assert sent == calls and sum(ga4_clients.values()) == calls
    assert max(ga4_clients.values()) == 1

    # Schedules: each job ran once per period, not once per cluster: at most one run per period begun since it
    # became due (two clusters each firing it would double that; the 5- and 15-minute jobs ran exactly once
    # unless the run outlasted their period).
    for schedule in Schedule.objects.all():
        runs = sorted(Task.objects.filter(group=schedule.name).values_list("started", flat=True))
        assert 1 <= len(runs) <= 1 + int(elapsed // (schedule.minutes * 60)), (schedule.name, runs, elapsed)

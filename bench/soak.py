"""`make soak`: the product as a pair of machines runs it, under a realistic visit mix, with Redis and a worker
restarted midway. Bounded (SOAK_MINUTES of traffic, default 10, plus start-up and the drain), loopback only.

What runs (all started here, all stopped at the end, by process id):
- a fresh PostgreSQL database (SOAK_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/callpool_soak:
  dropped and created again, so its name must contain "soak"), migrated;
- a redis-server of its own on a spare port (cache, rate limit and task broker), so restarting it hurts nobody;
- two web nodes (gunicorn, 2 sync workers each) and two django-q2 clusters (`manage.py qcluster`, 1 worker each);
- a local Standard Webhooks receiver (every message verified with the `standardwebhooks` package against the
  endpoint's secret) and a local GA4 Measurement Protocol receiver (GA4_COLLECT_URL points at it).

The traffic is bench/bench_leave.py's visit model (documented there): half the visits bounce, the rest see
1 + geometric(0.3) more pages (2.7 pages a visit), log-normal time on a page (median 30 s, σ 1.1: 148 s a visit),
a heartbeat every 300 s while a page stays open, a leave beacon on every `pagehide` from 90 % of browsers.
Visits arrive as a Poisson process (SOAK_VISITS_PER_SECOND, default 2). Time is compressed by SOAK_TIME_SCALE
(default 10) everywhere at once: a page's dwell, the gap between pages and the heartbeat period are divided by
it (heartbeat every 30 s), and so are the pool's lease (3 min instead of 30) and the leave grace
(DNI_LEAVE_GRACE_SECONDS 12 s instead of 120), so numbers are freed and lent again as often, relative to the
visits, as on a real day. Every request goes to either node at random (no stickiness), like a load balancer.
A visit's first request opens the session (new session), every page after that sends `page_load: true` with
the session's ids (page load), heartbeats send the ids alone.

SOAK_CALL_SHARE of the visits (default 0.08) call the number they hold in the middle of their last page: the
voice webhook and both legs' status callbacks (queued, ringing, in-progress, completed of the dialed leg; the
inbound leg's completion), signed as Twilio signs them (the twilio SDK's RequestValidator.compute_signature over
PUBLIC_BASE_URL + path), each to either node; calls alternate between the two documented orders (the business
hangs up: the dialed leg ends first; the caller hangs up: the inbound leg ends first). Two thirds talk 45 s (a
conversion under the site's 30 s rule: `call.converted` and one GA4 event), the rest 12 s.

Faults: at 35 % of the run Redis stops, stays down SOAK_REDIS_DOWN_SECONDS (default 5) and comes back empty; at
55 % one worker cluster is stopped (SIGTERM) and started again.

Then the load stops (open visits leave), and the drain waits (up to SOAK_DRAIN_SECONDS, default 480: a
delivery a stopped worker had claimed is retried after the 5-minute claim) until every expected webhook and GA4
event arrived and no delivery is pending.

The report: requests and errors (non-2xx answers, failed connections) with p50/p99 per path; duplicate leases
(two sessions told the same number at overlapping times, as seen by the clients, plus a database check every
10 s: a tracker with two unexpired open leases), lost leases (a session whose number changed, or that got none
while the pool had free numbers), calls attributed to another visit, webhooks lost / doubled / unexpected /
badly signed (each call's expected events against what arrived, by (call, event) and by webhook-id), GA4 events
lost / doubled (one per converting call, by the visit's GA client id), processes that died. Every one of those
must be 0: exit 0 when they are, 1 otherwise. The logs stay in SOAK_LOG_DIR (default a new /tmp/soak-* folder).

Run: `make soak` (SOAK_MINUTES=2 for a short run while developing).
"""

from __future__ import annotations

import heapq
import json
import math
import os
import random
import re
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support import (  # noqa: E402
    LocalReceiver,
    OwnRedis,
    free_port,
    start_gunicorn,
    start_qcluster,
    stop_processes,
    wait_for,
)

MINUTES = float(os.environ.get("SOAK_MINUTES", "10"))
SCALE = float(os.environ.get("SOAK_TIME_SCALE", "10"))
VISITS_PER_SECOND = float(os.environ.get("SOAK_VISITS_PER_SECOND", "2"))
CALL_SHARE = float(os.environ.get("SOAK_CALL_SHARE", "0.08"))
REDIS_DOWN_SECONDS = float(os.environ.get("SOAK_REDIS_DOWN_SECONDS", "5"))
DRAIN_SECONDS = float(os.environ.get("SOAK_DRAIN_SECONDS", "480"))
DB_URL = os.environ.get("SOAK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/callpool_soak")
SEED = int(os.environ.get("SOAK_SEED", "20261203"))

# The visit model of bench/bench_leave.py, in seconds of real time (divided by SCALE when played).
BOUNCE, MORE_PAGES_P, DWELL_MEDIAN, DWELL_SIGMA = 0.5, 0.3, 30.0, 1.1
NAVIGATION_SECONDS, HEARTBEAT_SECONDS, LEASE_MINUTES, LEAVE_GRACE_SECONDS = 1.0, 300.0, 30, 120
BEACON_DELIVERED = 0.9
TALK_CONVERTING, TALK_SHORT, RING = 45, 12, 5

TRACKERS = 300
ORIGIN = "https://soak.example.com"
KEY = "soak"
ORIGINAL = "+12025550100"
PUBLIC_BASE_URL = "https://soak.callpool.test"
TWILIO_SID, TWILIO_TOKEN = "AC" + "5" * 32, "soak-twilio-auth-token"
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
EXPECTED_EVENTS = ("call.started", "call.attributed", "call.completed")

PATHS = ("assign: new session", "assign: page load", "assign: heartbeat", "leave beacon", "voice webhook",
         "status callback")


def node_env(*, redis_url: str, ga4_url: str) -> dict:
    # A production install writes bytecode; without it every fresh worker compiles from source what it imports
    # (the phonenumbers geocoder the voice webhook loads: 19 MB of source, ~30 s on a busy 2-core machine).
    inherited = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return dict(
        inherited, DATABASE_URL=DB_URL, REDIS_URL=f"{redis_url}/0", DJANGO_SETTINGS_MODULE="config.settings",
        READ_DOT_ENV_FILE="false", DEBUG="false", ALLOWED_HOSTS="*", LOG_LEVEL="WARNING", Q_SYNC="false",
        Q_WORKERS="1", SECRET_KEY=os.environ.get("SECRET_KEY", "soak-only-not-secret"), STATIC_MANIFEST="false",
        PUBLIC_BASE_URL=PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID=TWILIO_SID, TWILIO_AUTH_TOKEN=TWILIO_TOKEN,
        GA4_COLLECT_URL=ga4_url, WEBHOOKS_ALLOW_PRIVATE="true",
        # The production configuration: the rate limit on (counted in Redis), high enough never to refuse one
        # machine's simulated crowd; every visitor comes from 127.0.0.1, so the per-client lease cap is lifted.
        DNI_RATE_LIMIT="1000000", DNI_CLIENT_LEASES_MIN="1000000",
        DNI_LEAVE_GRACE_SECONDS=str(max(1, round(LEAVE_GRACE_SECONDS / SCALE))),
    )


# ---------------------------------------------------------------- the visits


@dataclass(frozen=True)
class Plan:
    """One visit, in wall-clock seconds (already compressed)."""

    number: int
    dwell: list[float]
    beacons: bool
    call_talk: int | None  # the visit calls during its last page, talking this long; None: no call


def plan_visit(rng: random.Random, number: int) -> Plan:
    pages = 1 if rng.random() < BOUNCE else 2 + int(math.log(1 - rng.random()) / math.log(1 - MORE_PAGES_P))
    dwell = [rng.lognormvariate(math.log(DWELL_MEDIAN), DWELL_SIGMA) / SCALE for _ in range(pages)]
    calls = rng.random() < CALL_SHARE
    talk = (TALK_CONVERTING if rng.random() < 2 / 3 else TALK_SHORT) if calls else None
    return Plan(number, dwell, rng.random() < BEACON_DELIVERED, talk)


@dataclass
class Told:
    """What the clients were told about one session's visitor-pool number."""

    first: str | None = None
    held_until: float = 0.0  # when the lease lapses at the latest: the last expires_at told, or leave + grace
    changes: int = 0  # the number changed (or went) while the lease was surely live: lost
    lapsed: int = 0  # it changed after the lease may have lapsed (a slow answer after a leave): informational
    # (number, definitely held from, definitely held until): from the first answer's arrival to the sending
    # of the last request answered with the same number.
    spans: list[list] = field(default_factory=list)


@dataclass
class CallRecord:
    sid: str
    session: str
    ga_client_id: str
    talk: int
    placed: bool = False


class Soak:
    def __init__(self, ports: list[int], token: str):
        self.ports = ports
        self.token = token
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.sessions: dict[str, Told] = {}
        self.no_number: set[str] = set()
        self.calls: list[CallRecord] = []
        self.stop = threading.Event()
        self.rng = random.Random(SEED)
        self.call_counter = 0

    # -- HTTP

    def request(self, label: str, path: str, body: bytes, headers: dict) -> tuple[int, bytes, float, float]:
        port = random.choice(self.ports)
        sent = time.time()
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except OSError as exc:
            status, raw = 0, repr(exc).encode()
        received = time.time()
        with self.lock:
            self.latency[label].append((received - sent) * 1000)
            if not 200 <= status < 300:
                self.errors[label].append(f"{status} {raw[:200]!r}")
        return status, raw, sent, received

    def assign(self, label: str, body: dict) -> tuple[dict | None, float, float]:
        status, raw, sent, received = self.request(
            label, f"/dni/{KEY}/assign", json.dumps(body).encode(),
            {"Content-Type": "application/json", "Origin": ORIGIN, "User-Agent": UA})
        return (json.loads(raw) if status == 200 else None), sent, received

    def leave(self, session_id: str, expires_at: str) -> None:
        with self.lock:
            told = self.sessions.get(session_id)
            if told is not None:
                told.held_until = min(told.held_until, time.time() + LEAVE_GRACE_SECONDS / SCALE)
        self.request("leave beacon", f"/dni/{KEY}/leave",
                     json.dumps({"session_id": session_id, "expires_at": expires_at}).encode(),
                     {"Content-Type": "text/plain;charset=UTF-8", "Origin": ORIGIN, "User-Agent": UA})

    def twilio(self, label: str, path: str, params: dict) -> int:
        from twilio.request_validator import RequestValidator

        signature = RequestValidator(self.token).compute_signature(PUBLIC_BASE_URL + path, params)
        return self.request(label, path, urlencode(params).encode(),
                     {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature,
                      "User-Agent": "TwilioProxy/1.1"})[0]

    # -- one visit

    def note_number(self, session: str, answer: dict, sent: float, received: float) -> str | None:
        mine = [n["tracking"] for n in answer.get("numbers", []) if n["original"] == ORIGINAL]
        number = mine[0] if mine else None
        expires = datetime.fromisoformat(answer["expires_at"].replace("Z", "+00:00")).timestamp()
        with self.lock:
            told = self.sessions.setdefault(session, Told())
            continuous = received <= told.held_until  # answered while the last lease told was surely live
            if told.first is None and number is None:
                self.no_number.add(session)
            elif told.first is None:
                told.first = number
            elif number != told.first:
                if continuous:
                    told.changes += 1
                else:
                    told.lapsed += 1
                told.first = number
            told.held_until = expires
            if number is not None:
                if continuous and told.spans and told.spans[-1][0] == number:
                    told.spans[-1][2] = sent
                else:
                    told.spans.append([number, received, received])
        return number

    def visit(self, plan: Plan) -> None:
        ga_client_id = f"{1_000_000_000 + plan.number}.1764700000"
        ids: dict = {}
        expires_at = ""
        for page, dwell in enumerate(plan.dwell):
            body = {"page_url": f"{ORIGIN}/page-{page}" + ("?utm_source=google&utm_medium=cpc" if page == 0 else ""),
                    "page_load": True, "ga_client_id": ga_client_id, **ids}
            if page == 0:
                body["referrer"] = "https://www.google.com/"
            answer, sent, received = self.assign("assign: page load" if ids else "assign: new session", body)
            if answer is None:
                return  # counted as an error; a browser would show the original number
            ids = {"visitor_id": answer["visitor_id"], "session_id": answer["session_id"]}
            expires_at = answer["expires_at"]
            number = self.note_number(ids["session_id"], answer, sent, received)
            started = time.monotonic()
            calling = plan.call_talk is not None and page == len(plan.dwell) - 1 and number is not None
            beats = [k * HEARTBEAT_SECONDS / SCALE for k in range(1, int(dwell * SCALE // HEARTBEAT_SECONDS) + 1)]
            moments = sorted([(at, "beat") for at in beats] + ([(dwell / 2, "call")] if calling else []))
            for at, what in moments:
                if self.stop.wait(max(0.0, started + at - time.monotonic())):
                    break
                if what == "call":
                    assert plan.call_talk is not None and number is not None
                    record = CallRecord(f"CA{uuid.uuid4().hex}", ids["session_id"], ga_client_id, plan.call_talk)
                    with self.lock:
                        self.calls.append(record)
                        self.call_counter += 1
                        order = "dialed" if self.call_counter % 2 else "inbound"
                    threading.Thread(target=self.call, args=(record, number, order), daemon=True).start()
                    continue
                beat, sent, received = self.assign("assign: heartbeat", {"page_url": f"{ORIGIN}/page-{page}", **ids})
                if beat is not None:
                    expires_at = beat["expires_at"]
                    self.note_number(ids["session_id"], beat, sent, received)
            self.stop.wait(max(0.0, started + dwell - time.monotonic()))
            if plan.beacons:
                self.leave(ids["session_id"], expires_at)
            if self.stop.is_set():
                return
            time.sleep(NAVIGATION_SECONDS / SCALE)

    # -- one call

    def call(self, record: CallRecord, number: str, order: str) -> None:
        """The callbacks Twilio posts for one answered, forwarded call (tests/calls/payloads.py field sets)."""
        now = datetime.now(UTC)
        caller = f"+1415{2_000_000 + self.rng.randrange(8_000_000):07d}"
        child = f"CA{uuid.uuid4().hex}"
        base = {"AccountSid": TWILIO_SID, "ApiVersion": "2010-04-01", "Called": number, "Caller": caller,
                "From": caller, "To": number}
        answered = self.twilio("voice webhook", "/telephony/twilio/voice",
                               {**base, "CallSid": record.sid, "CallStatus": "ringing", "Direction": "inbound",
                                "CallerCountry": "US", "CalledCountry": "US"})
        if answered != 200:
            return  # an error already; Twilio would play the number's fallback
        record.placed = True
        total = RING + record.talk

        def dialed(status: str, sequence: int, at: int, duration: int | None = None) -> dict:
            params = {"AccountSid": TWILIO_SID, "ApiVersion": "2010-04-01", "CallSid": child, "CallStatus": status,
                      "CallbackSource": "call-progress-events", "Called": ORIGINAL, "Caller": caller,
                      "Direction": "outbound-dial", "From": caller, "ParentCallSid": record.sid,
                      "SequenceNumber": str(sequence), "Timestamp": format_datetime(now + timedelta(seconds=at)),
                      "To": ORIGINAL}
            if duration is not None:
                params["CallDuration"] = str(duration)
                params["Duration"] = str((duration + 59) // 60)
            return params

        inbound_end = {**base, "CallSid": record.sid, "CallStatus": "completed", "CallDuration": str(total),
                       "Direction": "inbound", "Timestamp": format_datetime(now + timedelta(seconds=total))}
        dialed_end = dialed("completed", 3, total, record.talk)
        ends = [dialed_end, inbound_end] if order == "dialed" else [inbound_end, dialed_end]
        for params in [dialed("queued", 0, 0), dialed("ringing", 1, 0), dialed("in-progress", 2, RING), *ends]:
            time.sleep(0.2)
            self.twilio("status callback", "/telephony/twilio/status", params)

    # -- the run

    def run(self, seconds: float, faults: list[tuple[float, str, object]]) -> int:
        """Visits arrive for `seconds`; `faults` (at, name, action) fire on the way. Returns how many visits."""
        started = time.monotonic()
        pending = [(started + at, name, action) for at, name, action in faults]
        heapq.heapify(pending)
        threads: list[threading.Thread] = []
        number = 0
        next_arrival = started
        while time.monotonic() < started + seconds:
            now = time.monotonic()
            while pending and pending[0][0] <= now:
                _, name, action = heapq.heappop(pending)
                print(f"  [{now - started:6.0f} s] {name}", flush=True)
                threading.Thread(target=action, daemon=True).start()  # type: ignore[arg-type]
            if now >= next_arrival:
                number += 1
                thread = threading.Thread(target=self.visit, args=(plan_visit(self.rng, number),), daemon=True)
                thread.start()
                threads.append(thread)
                next_arrival += self.rng.expovariate(VISITS_PER_SECOND)
                if number % 200 == 0:
                    print(f"  [{now - started:6.0f} s] {number} visits, {sum(map(len, self.latency.values()))} "
                          f"requests, {sum(map(len, self.errors.values()))} errors", flush=True)
            time.sleep(max(0.0, min(next_arrival, pending[0][0] if pending else next_arrival) - time.monotonic()))
        self.stop.set()  # open visits leave now
        for thread in threads:
            thread.join(timeout=120)
        return number


# ---------------------------------------------------------------- set-up


def fresh_database() -> None:
    import psycopg

    name = urlsplit(DB_URL).path.lstrip("/")
    if "soak" not in name:
        sys.exit(f"soak: refusing to drop {name!r}: SOAK_DATABASE_URL's database name must contain 'soak'")
    with psycopg.connect(DB_URL.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def seed(hook_url: str) -> tuple[str, str]:
    """The website: a visitor pool of TRACKERS numbers and a one-number source pool (like the demo), a 30 s
    conversion rule, GA4 and a webhook endpoint. Returns (the endpoint's signing secret, the Twilio token)."""
    from accounts.models import Account, Website
    from calls.models import ConversionRule
    from integrations.models import GA4Settings
    from integrations.services import webhook_endpoint_create
    from pools.models import Pool
    from telephony.credentials import webhook_auth_token
    from trackers.models import CallTracker

    account = Account.objects.create(name="Soak Co", timezone="America/New_York")
    website = Website.objects.create(account=account, name="Soak", key=KEY, domains=["soak.example.com"],
                                     allowed_origins=[ORIGIN])
    pool = Pool.objects.create(account=account, website=website, name="Main line", tracking="visitor",
                               original_number=ORIGINAL, size=TRACKERS,
                               lease_minutes=max(1, round(LEASE_MINUTES / SCALE)))
    CallTracker.objects.bulk_create(
        CallTracker(pool=pool, tracking_number=f"+1{600 + n // 100}5550{100 + n % 100}", status="active",
                    original_number=ORIGINAL)
        for n in range(TRACKERS))
    service = Pool.objects.create(account=account, website=website, name="Service line", tracking="source",
                                  original_number="+12025550150", size=1)
    CallTracker.objects.create(pool=service, tracking_number="+17995550150", status="active", source="(direct)",
                               medium="(none)", original_number=service.original_number)
    ConversionRule.objects.create(website=website, min_seconds=30, value="80.00")
    ga4 = GA4Settings(website=website, measurement_id="G-SOAK")
    ga4.set_api_secret("soak-local-secret")
    ga4.save()
    endpoint = webhook_endpoint_create(account=account, url=hook_url,
                                       event_types=[*EXPECTED_EVENTS, "call.converted"])
    return endpoint.secret, webhook_auth_token(account)


# ---------------------------------------------------------------- the report


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def overlapping_holders(sessions: dict[str, Told]) -> list[str]:
    """Numbers two sessions were both definitely holding at the same moment."""
    by_number: dict[str, list[tuple[float, float, str]]] = defaultdict(list)
    for session, told in sessions.items():
        for number, since, until in told.spans:
            by_number[number].append((since, until, session))
    found = []
    for number, spans in by_number.items():
        spans.sort()
        latest_until, holder = -math.inf, ""
        for since, until, session in spans:
            if session != holder and since < latest_until:
                found.append(f"{number}: {holder} and {session}")
            if until > latest_until:
                latest_until, holder = until, session
    return found


def database_duplicates(url: str) -> list[str]:
    """Trackers with two unexpired open (not shared) leases right now."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT tracker_id, count(*) FROM trackers_lease WHERE ended_at IS NULL AND NOT is_shared "
            "AND expires_at > now() GROUP BY tracker_id HAVING count(*) > 1").fetchall()
    return [f"tracker {tracker}: {count} open leases" for tracker, count in rows]


def expected_webhooks(calls: list[CallRecord]) -> Counter:
    expected: Counter = Counter()
    for call in calls:
        if call.placed:
            events = [*EXPECTED_EVENTS, *(["call.converted"] if call.talk >= 30 else [])]
            expected.update((call.sid, event) for event in events)
    return expected


class HookLedger:
    """The webhook receiver's messages, each verified with the `standardwebhooks` package as it arrives (its
    timestamp check allows 5 minutes): counted by (call, event) and by webhook-id."""

    def __init__(self, receiver: LocalReceiver, secret: str):
        from standardwebhooks.webhooks import Webhook

        self.receiver, self.verifier = receiver, Webhook(secret)
        self.by_event: Counter = Counter()
        self.by_id: Counter = Counter()
        self.problems: list[str] = []
        self.seen = 0
        self.lock = threading.Lock()

    def poll(self) -> None:
        from standardwebhooks.webhooks import WebhookVerificationError

        with self.lock:
            hits = self.receiver.hits[self.seen:]
            self.seen += len(hits)
            for hit in hits:
                try:
                    body = self.verifier.verify(hit.body, hit.headers)
                except WebhookVerificationError as exc:
                    self.problems.append(f"{hit.headers.get('webhook-id')}: {exc}")
                    continue
                self.by_id[hit.headers["webhook-id"]] += 1
                self.by_event[(body["data"]["provider_call_id"], body["type"])] += 1

    def keep_polling(self, stop: threading.Event) -> None:
        while not stop.wait(0.5):
            self.poll()


def received_ga4(receiver: LocalReceiver) -> Counter:
    return Counter(json.loads(hit.body)["client_id"] for hit in receiver.of("/mp/collect"))


def all_arrived(soak: Soak, ledger: HookLedger, ga4: LocalReceiver) -> bool:
    from integrations.models import GA4Delivery, WebhookDelivery

    ledger.poll()
    converting = {c.ga_client_id for c in soak.calls if c.placed and c.talk >= 30}
    return (not expected_webhooks(soak.calls) - ledger.by_event and converting <= set(received_ga4(ga4))
            and not WebhookDelivery.objects.filter(status="pending").exists()
            and not GA4Delivery.objects.filter(status="pending").exists())


def misattributed(calls: list[CallRecord]) -> list[str]:
    from calls.models import Call

    placed = {c.sid: c.session for c in calls if c.placed}
    found = dict(Call.objects.filter(provider_call_id__in=placed).values_list("provider_call_id", "visit__session_uid"))
    return [f"{sid}: visit {found.get(sid)!r}, expected {session!r}" for sid, session in placed.items()
            if found.get(sid) != session]


def log_lines(folder: Path, pattern: str) -> int:
    return sum(len(re.findall(pattern, path.read_text(errors="replace"))) for path in folder.glob("*.log"))


def main() -> int:
    if not shutil.which("redis-server"):
        print("soak: redis-server is not installed (apt-get install redis-server)")
        return 1
    logs = Path(os.environ.get("SOAK_LOG_DIR") or tempfile.mkdtemp(prefix="soak-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(f"soak: {MINUTES:g} min of traffic, time compressed {SCALE:g}x, {VISITS_PER_SECOND:g} visits/s, "
          f"{CALL_SHARE:.0%} of visits call; database {urlsplit(DB_URL).path.lstrip('/')}; logs in {logs}", flush=True)
    redis = OwnRedis(logs)
    redis.start()
    hooks, ga4 = LocalReceiver(), LocalReceiver()
    env = node_env(redis_url=redis.url, ga4_url=f"{ga4.url}/mp/collect")
    processes: list = []
    workers: list = []
    try:
        fresh_database()
        import subprocess

        subprocess.run([sys.executable, "manage.py", "migrate", "-v0", "--noinput"], cwd=ROOT, env=env, check=True)
        os.environ.update(env)
        import django

        django.setup()
        from django.db import connection

        secret, token = seed(f"{hooks.url}/hook")
        connection.close()
        ports = [free_port(), free_port()]
        for port in ports:
            processes.append(start_gunicorn(env=env, port=port, workers=2, log=logs / f"gunicorn-{port}.log",
                                            args=["--log-level", "warning"], ready_seconds=180))
        workers = [start_qcluster(env=env, log=logs / f"qcluster-{n}.log") for n in range(2)]
        print(f"soak: nodes on ports {ports[0]} and {ports[1]}, workers {workers[0].pid} and {workers[1].pid}, "
              f"redis-server on {redis.port}", flush=True)

        def restart_redis():
            redis.stop()
            time.sleep(REDIS_DOWN_SECONDS)
            redis.start()

        def restart_worker():
            stop_processes([workers[0]], timeout=30)
            workers[0] = start_qcluster(env=env, log=logs / "qcluster-0-restarted.log")

        db_duplicates: list[str] = []
        soak = Soak(ports, token)
        ledger = HookLedger(hooks, secret)
        watching = threading.Event()
        threading.Thread(target=ledger.keep_polling, args=(watching,), daemon=True).start()

        def watch():
            while not watching.wait(10):
                found = database_duplicates(DB_URL)
                db_duplicates.extend(found)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        seconds = MINUTES * 60
        run_started = time.monotonic()
        visits = soak.run(seconds, [(0.35 * seconds, f"Redis stops for {REDIS_DOWN_SECONDS:g} s, comes back empty",
                                     restart_redis),
                                    (0.55 * seconds, "worker cluster 1 of 2 stops (SIGTERM) and starts again",
                                     restart_worker)])
        print(f"soak: traffic over after {time.monotonic() - run_started:.0f} s; draining (up to "
              f"{DRAIN_SECONDS:.0f} s)", flush=True)
        drain_started = time.monotonic()
        drained = wait_for(lambda: all_arrived(soak, ledger, ga4), DRAIN_SECONDS, every=2)
        drain_seconds = time.monotonic() - drain_started
        time.sleep(5)  # a second copy of anything would arrive by now
        watching.set()
        ledger.poll()
        dead = [f"pid {p.pid} exited {p.returncode}" for p in [*processes, *workers] if p.poll() is not None]
        return report(soak, visits, ledger, ga4, db_duplicates, dead, drained, drain_seconds, logs)
    finally:
        stop_processes([*processes, *workers])
        redis.stop()
        hooks.close()
        ga4.close()


def report(soak: Soak, visits: int, ledger: HookLedger, ga4: LocalReceiver, db_duplicates: list[str],
           dead: list[str], drained: bool, drain_seconds: float, logs: Path) -> int:
    from integrations.models import GA4Delivery, WebhookDelivery

    requests = sum(map(len, soak.latency.values()))
    print(f"\n{visits} visits, {len(soak.sessions)} sessions, {requests} requests, "
          f"{sum(1 for c in soak.calls if c.placed)} calls; drain {'done' if drained else 'TIMED OUT'} "
          f"after {drain_seconds:.0f} s")
    print(f"{'path':22}{'requests':>10}{'errors':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for label in PATHS:
        values = soak.latency.get(label, [])
        if values:
            print(f"{label:22}{len(values):>10}{len(soak.errors.get(label, [])):>8}{percentile(values, 0.5):>9.1f}"
                  f"{percentile(values, 0.99):>9.1f}{max(values):>9.1f}")
    for label, errors in soak.errors.items():
        for error, times in Counter(errors).most_common(3):
            print(f"  {label}: {times} x {error}")

    expected = expected_webhooks(soak.calls)
    by_event, by_id, bad = ledger.by_event, ledger.by_id, ledger.problems
    deliveries = dict(WebhookDelivery.objects.values_list("msg_id", "status"))
    converting = Counter(c.ga_client_id for c in soak.calls if c.placed and c.talk >= 30)
    ga4_got = received_ga4(ga4)
    changed = [s for s, told in soak.sessions.items() if told.changes]
    lapsed = sum(told.lapsed for told in soak.sessions.values())
    counts = {
        "errors (non-2xx or no answer)": sum(map(len, soak.errors.values())),
        "duplicate leases (clients: two sessions told one number at once)": len(overlapping_holders(soak.sessions)),
        "duplicate leases (database: two unexpired open leases on a tracker)": len(db_duplicates),
        "lost leases (a session whose number changed)": len(changed),
        "lost leases (a session that got no number)": len(soak.no_number),
        "calls attributed to another visit": len(misattributed(soak.calls)),
        "webhooks lost (expected (call, event) not received)": sum((expected - by_event).values()),
        "webhooks doubled (a (call, event) received twice)": sum(n - 1 for n in by_event.values() if n > 1),
        "webhooks doubled (a webhook-id received twice)": sum(n - 1 for n in by_id.values() if n > 1),
        "webhooks unexpected (not an event of a placed call)": sum((by_event - expected).values()),
        "webhooks badly signed": len(bad),
        "webhook deliveries not succeeded": sum(1 for status in deliveries.values() if status != "succeeded"),
        "webhook deliveries the receiver never got": len(set(deliveries) - set(by_id)),
        "GA4 events lost (converting call, no event)": len(set(converting) - set(ga4_got)),
        "GA4 events doubled": sum(n - 1 for n in ga4_got.values() if n > 1),
        "GA4 events unexpected": len(set(ga4_got) - set(converting)),
        "GA4 deliveries not sent": GA4Delivery.objects.exclude(status="sent").count(),
        "processes that died": len(dead),
    }
    print(f"\nwebhooks: {sum(expected.values())} expected, {sum(by_id.values())} received "
          f"({len(deliveries)} deliveries); GA4 events: {sum(converting.values())} expected, "
          f"{sum(ga4_got.values())} received")
    print(f"numbers that changed after the session's lease may have lapsed (an answer slower than the leave "
          f"grace; informational): {lapsed}")
    print(f"logged by the servers and workers (informational; Redis was down on purpose): "
          f"{log_lines(logs, r'Traceback')} tracebacks, {log_lines(logs, r'ERROR')} ERROR lines")
    print("\nmust be 0:")
    for what, count in counts.items():
        print(f"  {count:>6}  {what}")
    for example in [*overlapping_holders(soak.sessions)[:5], *db_duplicates[:5],
                    *(f"session {s} changed number" for s in changed[:5]), *bad[:5], *dead]:
        print(f"    {example}")
    failed = [what for what, count in counts.items() if count] + ([] if drained else ["drain timed out"])
    print(f"\nsoak: {'PASS' if not failed else 'FAIL: ' + '; '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Voice webhook latency, side by side with a bare TwiML view, in one run (SPEC "Non-functional": ≤ 3 ×).

The product path is what production runs: Django's WSGI handler with the production settings and middleware, a
request signed the way Twilio signs it (classic HMAC-SHA1, with the account's auth token stored encrypted in its
telephony settings), PostgreSQL, and Redis when REDIS_URL is set. It checks the signature, looks the tracker up,
records the call once (first-time caller, block list, attribution to the leased visit, the outbox of its events)
and answers the call flow's TwiML.

The baseline is a bare view that only looks the tracker up and returns the same <Dial> TwiML — what any forwarding
app must do — behind a WSGI handler with no middleware at all. The same bare view behind the production middleware
is printed too (this bench's baseline until December 2026, when it read 6.9 ×).

Requests are sent in-process and sequentially, the three paths interleaved (the order rotates every round), so
load from other processes hits them alike: the figure is server-side time per call, which is what the provider's
webhook timeout measures. The ratio is also taken per block of rounds, and its spread printed.

Data that grows for years: on PostgreSQL every called tracker first gets a lease history (BENCH_LEASE_DAYS days of
BENCH_LEASES_PER_DAY closed leases each, 400 × 250 by default: 100 k leases a tracker, 2 M in all, seeded once and
kept), as a busy visitor pool's numbers hold at the end of the retention period. The webhook reads the leases around
the call; a read that walks a tracker's history shows here, and not on an empty lease table.
"""

import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault("PUBLIC_BASE_URL", "http://testserver")

import django  # noqa: E402
from benchdb import ensure_database  # noqa: E402

if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    ensure_database(os.environ["DATABASE_URL"])
django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from accounts.models import Account, Website  # noqa: E402
from attribution.models import Visit, Visitor  # noqa: E402
from calls.models import Call, CallEvent  # noqa: E402
from calls.services import call_original_number  # noqa: E402
from calls.twiml import twiml_forward  # noqa: E402
from pools.models import Pool  # noqa: E402
from telephony.models import Provider, TelephonySettings  # noqa: E402
from trackers.models import CallTracker, Lease  # noqa: E402

N = int(os.environ.get("BENCH_N", "600"))  # requests per path
# BENCH_PROFILE=1: a CPU profile (cProfile) of the product path's measured requests, its top functions printed.
PROFILE = os.environ.get("BENCH_PROFILE", "") not in ("", "0")
LEASE_DAYS = int(os.environ.get("BENCH_LEASE_DAYS", "400"))
LEASES_PER_DAY = int(os.environ.get("BENCH_LEASES_PER_DAY", "250"))
HISTORY_VISIT = "benchvoice-history"  # the visit the seeded history's leases belong to
BLOCKS = 6  # the ratio's spread: one ratio of medians per block of N / BLOCKS rounds
TOKEN = "bench-account-auth-token"
VOICE = "/telephony/twilio/voice"
BARE = "/bare/voice"


@csrf_exempt
def bare_voice(request):
    """Look the dialed number's tracker up (one query) and dial its original number."""
    tracker = CallTracker.objects.select_related("pool").filter(
        tracking_number=request.POST.get("To", ""), deleted_at__isnull=True).first()
    assert tracker is not None
    return HttpResponse(
        twiml_forward(original_number=call_original_number(tracker),
                      status_url=f"{settings.PUBLIC_BASE_URL}/telephony/twilio/status",
                      caller_id=request.POST.get("From", "")),
        content_type="application/xml",
    )


urlpatterns: list = [path(BARE.lstrip("/"), bare_voice)]
from config.urls import urlpatterns as real_urls  # noqa: E402

urlpatterns += real_urls


def setup_data():
    call_command("migrate", verbosity=0)
    account, _ = Account.objects.get_or_create(name="Bench voice", defaults={"default_region": "US", "timezone": "UTC"})
    telephony, _ = TelephonySettings.objects.get_or_create(account=account)
    telephony.provider = Provider.TWILIO
    telephony.twilio_account_sid = "AC" + "b" * 32
    telephony.set_twilio_auth_token(TOKEN)
    telephony.save()
    # Only this bench's rows: the other benchmarks keep their seeded data in the same database.
    CallEvent.objects.filter(call__account=account).delete()
    Call.objects.filter(account=account).delete()
    Lease.objects.filter(tracker__pool__account=account).exclude(visit__session_uid=HISTORY_VISIT).delete()
    website, _ = Website.objects.get_or_create(key="benchvoice", defaults={"account": account, "name": "bench"})
    pool, _ = Pool.objects.get_or_create(account=account, name="Bench visitor pool", defaults={
        "website": website, "tracking": "visitor", "original_number": "+12025550100", "size": 20})
    trackers = []
    for line in range(100, 120):
        tracker, _ = CallTracker.objects.get_or_create(
            tracking_number=f"+1808555{line:04d}", deleted_at=None,
            defaults={"pool": pool, "status": "active", "original_number": pool.original_number})
        trackers.append(tracker)
    now = timezone.now()
    for index, tracker in enumerate(trackers):
        visitor, _ = Visitor.objects.get_or_create(website=website, uid=f"benchv{index}",
                                                   defaults={"first_seen_at": now, "last_seen_at": now})
        visit, _ = Visit.objects.get_or_create(website=website, session_uid=f"benchs{index}", defaults={
            "visitor": visitor, "source": "google", "medium": "cpc", "started_at": now, "last_seen_at": now})
        Lease.objects.create(tracker=tracker, visit=visit, started_at=now - timedelta(minutes=1),
                             expires_at=now + timedelta(hours=2))
    seed_lease_history(website=website, trackers=trackers, now=now)
    return trackers


def lease_history_wanted() -> bool:
    """A lease history is seeded on PostgreSQL only, and only when BENCH_LEASE_DAYS and the leases a day ask for one."""
    return connection.vendor == "postgresql" and bool(LEASE_DAYS * LEASES_PER_DAY)


def seed_lease_history(*, website, trackers, now) -> None:
    """LEASE_DAYS × LEASES_PER_DAY closed leases a tracker before the last hour, one after the other as a busy
    number's sessions follow each other (3 minutes each), seeded once: later runs find them and keep them."""
    if not lease_history_wanted():
        print("lease history: none (PostgreSQL only)")
        return
    visitor, _ = Visitor.objects.get_or_create(website=website, uid=HISTORY_VISIT,
                                               defaults={"first_seen_at": now, "last_seen_at": now})
    visit, _ = Visit.objects.get_or_create(website=website, session_uid=HISTORY_VISIT, defaults={
        "visitor": visitor, "source": "google", "medium": "organic", "started_at": now, "last_seen_at": now})
    per_tracker = LEASE_DAYS * LEASES_PER_DAY
    held = Lease.objects.filter(visit=visit).count()
    if held == per_tracker * len(trackers):
        print(f"lease history: {held:,} leases kept from an earlier run")
        return
    Lease.objects.filter(visit=visit).delete()
    started = time.perf_counter()
    gap = f"{86400 / LEASES_PER_DAY} seconds"
    with connection.cursor() as cursor:  # in time order across the trackers, as they are written: interleaved on disk
        cursor.execute(
            "INSERT INTO trackers_lease (tracker_id, pool_id, visit_id, started_at, expires_at, ended_at, is_shared,"
            " client_key) SELECT t.id, t.pool_id, %s, s, s + interval '30 minutes', s + interval '3 minutes', false, ''"
            " FROM generate_series(%s::timestamptz, %s::timestamptz, %s::interval) AS s"
            " CROSS JOIN (SELECT id, pool_id FROM trackers_calltracker WHERE id = ANY(%s)) AS t ORDER BY s, t.id",
            [visit.pk, now - timedelta(hours=1) - timedelta(days=1) / LEASES_PER_DAY * (per_tracker - 1),
             now - timedelta(hours=1), gap,
             [tracker.pk for tracker in trackers]])
        cursor.execute("ANALYZE trackers_lease")
    print(f"lease history: {per_tracker * len(trackers):,} leases seeded ({per_tracker:,} a tracker, "
          f"{LEASE_DAYS} days) in {time.perf_counter() - started:.1f} s")


def _start_response(status, headers, exc_info=None):
    _start_response.status = status  # type: ignore[attr-defined]


def signed_post(handler, path_: str, params: dict) -> tuple[float, str, bytes]:
    """(milliseconds, status, body) of one form POST signed like Twilio's, through `handler` as a WSGI server calls it."""
    body = urlencode(params).encode()
    environ = {
        "REQUEST_METHOD": "POST", "PATH_INFO": path_, "QUERY_STRING": "", "SCRIPT_NAME": "",
        "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1", "HTTP_USER_AGENT": "TwilioProxy/1.1",
        "HTTP_X_TWILIO_SIGNATURE": RequestValidator(TOKEN).compute_signature(settings.PUBLIC_BASE_URL + path_, params),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr, "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
    }
    started = time.perf_counter()
    response = handler(environ, _start_response)
    content = b"".join(response)
    response.close()  # request_finished: what the server does after sending, inside the request's time
    return (time.perf_counter() - started) * 1000, _start_response.status, content  # type: ignore[attr-defined]


def main():
    cache = "redis" if settings.REDIS_URL else "database"
    print(f"database: {connection.vendor}, cache and queue: {cache}, {N} sequential calls per path, interleaved")
    trackers = setup_data()
    with override_settings(ROOT_URLCONF=__name__):
        product = WSGIHandler()  # the production middleware
        bare_with_middleware = WSGIHandler()
        with override_settings(MIDDLEWARE=[]):
            bare = WSGIHandler()
        paths = {"product": (product, VOICE), "bare": (bare, BARE), "bare_mw": (bare_with_middleware, BARE)}
        timings: dict[str, list[float]] = {name: [] for name in paths}
        order = list(paths)
        profiler = cProfile.Profile() if PROFILE else None
        for index in range(-30, N):  # the first 30 rounds warm caches and connections
            tracker = trackers[index % len(trackers)]
            order = order[1:] + order[:1]
            for name in order:
                handler, path_ = paths[name]
                params = {"AccountSid": "AC" + "b" * 32, "CallSid": f"CAbench{name}{index + 30:08d}",
                          "From": f"+1415555{(index + 30) % 10000:04d}", "To": tracker.tracking_number,
                          "CallStatus": "ringing", "Direction": "inbound", "ApiVersion": "2010-04-01"}
                profiled = profiler if name == "product" and index >= 0 else None
                if profiled is not None:
                    profiled.enable()
                elapsed, status, content = signed_post(handler, path_, params)
                if profiled is not None:
                    profiled.disable()
                assert status.startswith("200") and b"<Dial" in content, (name, status, content)
                if index >= 0:
                    timings[name].append(elapsed)
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    measured = [f"CAbenchproduct{index + 30:08d}" for index in range(N)]
    attributed = Call.objects.filter(provider_call_id__in=measured, attribution_method="lease").count()
    stats = {name: _stats(values) for name, values in timings.items()}
    print(f"{'':40}{'mean ms':>10}{'p50 ms':>10}{'p99 ms':>10}")
    labels = {"bare": "bare view, no middleware (baseline)", "bare_mw": "bare view, production middleware",
              "product": "voice webhook, production path"}
    for name in ("bare", "bare_mw", "product"):
        print(f"{labels[name]:40}{stats[name]['mean']:10.2f}{stats[name]['p50']:10.2f}{stats[name]['p99']:10.2f}")
    for base in ("bare", "bare_mw"):
        blocks = _block_ratios(timings["product"], timings[base])
        print(f"ratio voice webhook / {labels[base].split(' (')[0]}: p50 {stats['product']['p50'] / stats[base]['p50']:.2f}x, "
              f"mean {stats['product']['mean'] / stats[base]['mean']:.2f}x, p99 {stats['product']['p99'] / stats[base]['p99']:.2f}x; "
              f"p50 per block {min(blocks):.2f}–{max(blocks):.2f}x")
    print(f"{attributed}/{N} calls attributed to the leased visit")
    ratio = stats["product"]["p50"] / stats["bare"]["p50"]
    history = f", {LEASE_DAYS * LEASES_PER_DAY:,} leases a tracker" if lease_history_wanted() else ""
    print(f"BENCH voice.webhook p50 {stats['product']['p50']:.2f} ms vs bare TwiML view {stats['bare']['p50']:.2f} ms"
          f"{history} ratio={ratio:.2f} goal=<=3 {'PASS' if ratio <= 3 else 'FAIL'}")


def _stats(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"mean": statistics.fmean(ordered), "p50": statistics.median(ordered),
            "p99": ordered[max(0, int(len(ordered) * 0.99) - 1)]}


def _block_ratios(product: list[float], base: list[float]) -> list[float]:
    size = max(1, len(product) // BLOCKS)
    return [statistics.median(product[start:start + size]) / statistics.median(base[start:start + size])
            for start in range(0, len(product) - size + 1, size)]


if __name__ == "__main__":
    main()

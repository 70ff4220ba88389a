"""Voice webhook latency, side by side with a bare view, in one run.

The full webhook = signature check + tracker lookup + idempotent call insert + first-time caller +
attribution (visitor pool: lease facts and the visit snapshot) + TwiML. The baseline = a bare view
that only looks the tracker up and returns the same TwiML (what any forwarding app must do).
In-process (Django test client), sequential: the figure is server-side time per call, which is what
Twilio's webhook timeout measures.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "*")
os.environ.setdefault("PUBLIC_BASE_URL", "http://testserver")
os.environ.setdefault("TWILIO_AUTH_TOKEN", "bench-token")

import django  # noqa: E402
from benchdb import ensure_database  # noqa: E402

if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    ensure_database(os.environ["DATABASE_URL"])
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.urls import path  # noqa: E402
from django.utils import timezone  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from accounts.models import Account, Website  # noqa: E402
from attribution.models import Visit, Visitor  # noqa: E402
from calls.models import Call, CallEvent  # noqa: E402
from calls.selectors import tracker_for_inbound_number  # noqa: E402
from calls.services import call_original_number  # noqa: E402
from calls.twiml import twiml_forward  # noqa: E402
from pools.models import Pool  # noqa: E402
from trackers.models import CallTracker, Lease  # noqa: E402

N = int(os.environ.get("BENCH_N", "400"))
TOKEN = os.environ["TWILIO_AUTH_TOKEN"]
VOICE = "/telephony/twilio/voice"


def bare_voice(request):
    tracker = tracker_for_inbound_number(number=request.POST.get("To", ""))
    assert tracker is not None
    return HttpResponse(
        twiml_forward(original_number=call_original_number(tracker), status_url="http://testserver/telephony/twilio/status",
                      caller_id=request.POST.get("From", "")),
        content_type="application/xml",
    )


urlpatterns: list = [path("bare/voice", bare_voice)]
from config.urls import urlpatterns as real_urls  # noqa: E402

urlpatterns += real_urls


def setup_data():
    call_command("migrate", verbosity=0)
    account, _ = Account.objects.get_or_create(name="Bench voice", defaults={"default_region": "US", "timezone": "UTC"})
    # Only this bench's rows: the other benchmarks keep their seeded data in the same database.
    CallEvent.objects.filter(call__account=account).delete()
    Call.objects.filter(account=account).delete()
    Lease.objects.filter(tracker__pool__account=account).delete()
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
    return trackers


def run(client, path_, trackers, label):
    validator = RequestValidator(TOKEN)
    timings = []
    for index in range(N):
        tracker = trackers[index % len(trackers)]
        params = {"CallSid": f"CAbench{label}{index:08d}", "From": f"+1415555{index % 10000:04d}",
                  "To": tracker.tracking_number, "CallStatus": "ringing", "Direction": "inbound"}
        signature = validator.compute_signature("http://testserver" + path_, params)
        started = time.perf_counter()
        response = client.post(path_, data=params, HTTP_X_TWILIO_SIGNATURE=signature)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200 and b"<Dial" in response.content, response.content
    timings.sort()
    return {"mean": statistics.fmean(timings), "p50": timings[len(timings) // 2], "p99": timings[int(len(timings) * 0.99) - 1]}


def main():
    print(f"database: {connection.vendor}, {N} sequential calls each")
    trackers = setup_data()
    with override_settings(ROOT_URLCONF=__name__):
        client = Client()
        run(client, "/bare/voice", trackers, "warm")  # warm caches and connections
        bare = run(client, "/bare/voice", trackers, "bare")
        full = run(client, VOICE, trackers, "full")
    attributed = Call.objects.filter(provider_call_id__startswith="CAbenchfull", attribution_method="lease").count()
    print(f"{'':28}{'mean ms':>10}{'p50 ms':>10}{'p99 ms':>10}")
    print(f"{'bare view (lookup + TwiML)':28}{bare['mean']:10.2f}{bare['p50']:10.2f}{bare['p99']:10.2f}")
    print(f"{'voice webhook (full path)':28}{full['mean']:10.2f}{full['p50']:10.2f}{full['p99']:10.2f}")
    print(f"ratio full/bare: mean {full['mean'] / bare['mean']:.2f}x, p99 {full['p99'] / bare['p99']:.2f}x; "
          f"{attributed}/{N} calls attributed to the leased visit")
    print(f"BENCH voice.webhook full {full['mean']:.2f} ms mean vs bare {bare['mean']:.2f} ms ratio={full['mean'] / bare['mean']:.2f} "
          f"goal=<=3 {'PASS' if full['mean'] / bare['mean'] <= 3 else 'FAIL'}")


if __name__ == "__main__":
    main()

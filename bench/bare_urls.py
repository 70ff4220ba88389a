"""Bench-only URLconf: the bare baseline the assign endpoint is compared with (never in production URLs)."""

import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from attribution.models import Visit
from trackers.models import CallTracker, Lease


@csrf_exempt
def bare_lease(request, key):
    """Renew the session's lease, or take a free tracker with SKIP LOCKED. ORM, no middleware, no checks."""
    body = json.loads(request.body)
    now = timezone.now()
    expires_at = now + timedelta(minutes=30)
    lease_filter = {"visit__website__key": key, "visit__session_uid": body.get("session_id"), "ended_at__isnull": True}
    if Lease.objects.filter(**lease_filter).update(expires_at=expires_at):
        number = Lease.objects.filter(**lease_filter).values_list("tracker__tracking_number", flat=True).first()
    else:
        with transaction.atomic():
            tracker = (CallTracker.objects.select_for_update(skip_locked=True)
                       .filter(pool__website__key=key, status="active").exclude(leases__ended_at__isnull=True).first())
            number = tracker.tracking_number if tracker else None
    return HttpResponse(json.dumps({"tracking": number}), content_type="application/json")


@csrf_exempt
def bare_new_lease(request, key):
    """A new session's lease, bare: lock the least-recently-released tracker with no open lease (SKIP LOCKED) and
    insert a lease for it (all on one stand-in visit); a lost race (the unique index) retries. ORM, no checks."""
    json.loads(request.body)
    now = timezone.now()
    visit_id = Visit.objects.filter(website__key=key).earliest("pk").pk
    for _ in range(8):
        try:
            with transaction.atomic():
                # Exists, not exclude(leases__ended_at__isnull=True): that also drops trackers never leased.
                open_lease = Lease.objects.filter(tracker=OuterRef("pk"), ended_at__isnull=True)
                tracker = (CallTracker.objects.select_for_update(skip_locked=True)
                           .filter(~Exists(open_lease), pool__website__key=key, status="active")
                           .order_by("lease_released_at", "pk").first())
                if tracker is None:
                    break
                Lease.objects.create(tracker=tracker, visit_id=visit_id, started_at=now,
                                     expires_at=now + timedelta(minutes=30))
                return HttpResponse(json.dumps({"tracking": tracker.tracking_number}), content_type="application/json")
        except IntegrityError:
            continue
    return HttpResponse(json.dumps({"tracking": None}), content_type="application/json")


urlpatterns = [path("bare/<slug:key>/lease", bare_lease), path("bare/<slug:key>/new", bare_new_lease)]

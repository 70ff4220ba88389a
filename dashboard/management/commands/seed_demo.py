"""Demo data for `make run`: idempotent, safe to run on every start."""

import os
import random
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Membership, Website
from accounts.services import membership_set
from attribution.models import Visit, Visitor
from calls.models import Call
from pools.models import Pool
from pools.services import pool_create, pool_enforce, trackers_provision
from reports.services import rollup_refresh
from trackers.models import CallTracker

DEMO_PASSWORD_ENV = "DEMO_ADMIN_PASSWORD"

# (source, medium, campaign, term, visits over the last week)
TRAFFIC = [
    ("google", "organic", "", "", 320),
    ("google", "cpc", "spring-sale", "emergency plumber near me", 210),
    ("(direct)", "(none)", "", "", 160),
    ("facebook", "social", "brand-awareness", "", 120),
    ("bing", "cpc", "spring-sale", "plumber", 60),
    ("newsletter", "email", "april-news", "", 40),
]
LANDING_PAGES = ["/", "/services/drains", "/services/water-heaters", "/contact", "/pricing"]


class Command(BaseCommand):
    help = "Create the demo account, logins, website, pools, visits and calls (idempotent)."

    def handle(self, *args, **options):
        password = os.environ.get(DEMO_PASSWORD_ENV) or "callpool-demo"
        with transaction.atomic():
            account, _ = Account.objects.get_or_create(
                name="Demo Co", defaults={"default_region": "US", "timezone": "America/New_York"}
            )
            admin_user = self.ensure_user("admin", password, superuser=True)
            marketer = self.ensure_user("marketer", password, superuser=False)
            membership_set(user=admin_user, account=account, role=Membership.Role.ADMIN)
            membership_set(user=marketer, account=account, role=Membership.Role.MARKETER)
            website, _ = Website.objects.get_or_create(
                key="demo",
                defaults={
                    "account": account, "name": "Demo site", "domains": ["localhost", "127.0.0.1"],
                    "allowed_origins": ["http://localhost:*", "http://127.0.0.1:*"],
                },
            )
        main_line = self.ensure_pool(
            account, website, "Main line", original_number="+12025550100",
            kind=Pool.Kind.MANUAL, tracking=Pool.Tracking.VISITOR, size=10, lease_minutes=30,
        )
        service_line = self.ensure_pool(
            account, website, "Service line", original_number="+12025550150",
            kind=Pool.Kind.AUTOMATED, tracking=Pool.Tracking.SOURCE, size=6, utilization="0.5",
        )
        self.ensure_trackers(main_line, 10)
        self.ensure_trackers(service_line, 6)
        now = timezone.now()
        visits = self.ensure_visits(website, now)
        # The rules engine gives the automated pool's top sources their trackers (idempotent).
        pool_enforce(pool=service_line, now=now)
        calls = self.ensure_calls(account, main_line, service_line, now)
        rollup_refresh(account=account)  # the dashboard reads closed days from the rollup
        self.stdout.write(f"Demo account “{account.name}”: website key “{website.key}”, "
                          f"{visits} visits, {calls} calls, pools: {main_line.name}, {service_line.name}")
        self.stdout.write(f"Admin login: admin / {password}   Marketer login: marketer / {password}")

    def ensure_user(self, username: str, password: str, *, superuser: bool):
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username)
        if created or not user.check_password(password):
            user.set_password(password)
        user.is_staff = user.is_staff or superuser
        user.is_superuser = superuser
        user.save()
        return user

    def ensure_pool(self, account, website, name, **fields):
        pool = Pool.objects.filter(account=account, name=name).first()
        if pool:
            return pool
        return pool_create(account=account, website=website, name=name, **fields)

    def ensure_trackers(self, pool, count):
        missing = count - CallTracker.objects.live().filter(pool=pool).count()
        if missing > 0:
            trackers_provision(pool=pool, count=missing, actor_label="seed_demo")

    def ensure_visits(self, website, now) -> int:
        existing = Visit.objects.filter(website=website).count()
        if existing:
            return existing
        rng = random.Random(42)
        visitors, visits = [], []
        for source, medium, campaign, term, count in TRAFFIC:
            for _ in range(count):
                started = now - timedelta(minutes=rng.randint(30, 7 * 24 * 60))
                landing = "http://localhost:8000" + rng.choice(LANDING_PAGES)
                visitor = Visitor(
                    website=website, uid=secrets.token_hex(16), first_source=source, first_medium=medium,
                    first_campaign=campaign, first_landing_page=landing, first_seen_at=started, last_seen_at=started,
                )
                visitors.append(visitor)
                visits.append(Visit(
                    website=website, visitor=visitor, session_uid=secrets.token_hex(16), source=source, medium=medium,
                    campaign=campaign, term=term, landing_page=landing,
                    gclid=("Cj0KCQ" + secrets.token_hex(12)) if source == "google" and medium == "cpc" else "",
                    started_at=started, last_seen_at=started + timedelta(minutes=rng.randint(1, 20)),
                ))
        Visitor.objects.bulk_create(visitors, batch_size=500)
        Visit.objects.bulk_create(visits, batch_size=500)
        return len(visits)

    def ensure_calls(self, account, main_line, service_line, now) -> int:
        existing = Call.objects.filter(account=account).count()
        if existing:
            return existing
        rng = random.Random(7)
        visits = list(Visit.objects.filter(website=main_line.website).order_by("started_at")[:400])
        visitor_trackers = list(CallTracker.objects.live().filter(pool=main_line))
        source_trackers = list(CallTracker.objects.live().filter(pool=service_line, status="active"))
        callers = [f"+1312555{n:04d}" for n in range(100, 140)]
        calls, seen = [], set()
        for index in range(60):
            visit = rng.choice(visits)
            by_source = index % 3 == 0 and source_trackers
            tracker = rng.choice(source_trackers) if by_source else rng.choice(visitor_trackers)
            caller = rng.choice(callers)
            status = rng.choices(["completed", "no-answer", "busy"], weights=[8, 2, 1])[0]
            started = visit.started_at + timedelta(minutes=rng.randint(1, 15))
            duration = rng.randint(30, 600) if status == "completed" else 0
            calls.append(Call(
                account=account, provider_call_id=f"CAdemo{index:06d}", tracker=tracker, pool=tracker.pool,
                tracking_number=tracker.tracking_number, caller_number=caller,
                original_number=tracker.original_number or tracker.pool.original_number, status=status,
                started_at=started, answered_at=started + timedelta(seconds=8) if duration else None,
                ended_at=started + timedelta(seconds=duration + 8), duration_seconds=duration + 8, talk_seconds=duration,
                is_first_time_caller=caller not in seen,
                visit=None if by_source else visit,
                attribution_method=Call.Method.SOURCE if by_source else Call.Method.LEASE,
                attribution_confidence=0.9 if by_source else 1.0,
                source=tracker.source if by_source else visit.source, medium=tracker.medium if by_source else visit.medium,
                campaign="" if by_source else visit.campaign, term="" if by_source else visit.term,
                landing_page="" if by_source else visit.landing_page, gclid="" if by_source else visit.gclid,
            ))
            seen.add(caller)
        Call.objects.bulk_create(calls)
        return len(calls)

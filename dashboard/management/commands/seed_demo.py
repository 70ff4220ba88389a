"""Demo data for `make run`: idempotent, safe to run on every start."""

import os
import random
import secrets
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Membership, Website
from accounts.services import membership_set
from attribution.classification import channel_group, classify, page_key
from attribution.models import PageView, Visit, Visitor
from calls.models import Call, ConversionRule
from calls.outcomes import website_conversions_recompute
from calls.services import calls_first_time_recompute
from core.actors import Actor
from pools.models import Pool
from pools.services import pool_create, pool_enforce, trackers_provision
from reports.services import rollup_refresh
from telephony.number_search import ANY_AREA_CODE
from telephony.recordings import sandbox_recording_url
from trackers.models import CallTracker

DEMO_PASSWORD_ENV = "DEMO_ADMIN_PASSWORD"


def demo_password() -> str:
    """The password of the demo logins: DEMO_ADMIN_PASSWORD, else the documented default."""
    return os.environ.get(DEMO_PASSWORD_ENV) or "callpool-demo"


# (landing query string, referrer, visits over the last week); "{click}" becomes a fresh click id. The visits
# are classified from these URLs by the product's own rules (keywords, channels), as the snippet would.
TRAFFIC = [
    ("", "https://www.google.com/", 320),                                   # organic: keyword (not provided)
    ("?utm_source=google&utm_medium=cpc&utm_campaign=spring-sale&utm_term=emergency+plumber+near+me&gclid={click}", "", 140),
    ("?gclid={click}", "", 70),                                              # auto-tagging only: keyword (not set)
    ("", "", 160),                                                           # direct
    ("?utm_source=facebook&utm_medium=social&utm_campaign=brand-awareness&fbclid={click}", "", 120),
    ("?utm_source=bing&utm_medium=cpc&utm_campaign=spring-sale&kw=plumber&msclkid={click}", "", 60),
    ("?utm_source=newsletter&utm_medium=email&utm_campaign=april-news", "", 40),
]
LANDING_PAGES = ["/", "/services/drains", "/services/water-heaters", "/contact", "/pricing"]
SITE = "http://localhost:8000"


SEED_DEMO = Actor.process("seed_demo")

class Command(BaseCommand):
    help = "Create the demo account, logins, website, pools, visits and calls (idempotent)."

    def handle(self, *args, **options):
        password = demo_password()
        with transaction.atomic():
            account = self.demo_account()
            admin_user, admin_created = self.ensure_user("admin", password, superuser=True)
            marketer, marketer_created = self.ensure_user("marketer", password, superuser=False)
            skipped = []
            for user, role in ((admin_user, Membership.Role.ADMIN), (marketer, Membership.Role.MARKETER)):
                if self.belongs_elsewhere(user, account):
                    skipped.append(user.get_username())
                    continue
                membership_set(user=user, account=account, role=role, actor=SEED_DEMO)
            website, _ = Website.objects.get_or_create(
                key="demo",
                defaults={
                    "account": account, "name": "Demo site", "domains": ["localhost", "127.0.0.1"],
                    "allowed_origins": ["http://localhost:*", "http://127.0.0.1:*"],
                },
            )
        main_line = self.ensure_pool(
            account, website, "Main line", original_number="+12025550100",
            kind=Pool.Kind.MANUAL, tracking=Pool.Tracking.VISITOR, size=10, lease_minutes=30, record_calls=True,
            # A national business: the sandbox has only 100 numbers per area code, and load tests provision 1000 here.
            number_request={"type": ANY_AREA_CODE, "country": "US"},
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
        pool_enforce(pool=service_line, now=now, actor=SEED_DEMO)
        calls = self.ensure_calls(account, main_line, service_line, now)
        self.ensure_conversions(website)
        rollup_refresh(account=account)  # the dashboard reads closed days from the rollup
        self.stdout.write(f"Demo account “{account.name}”: website key “{website.key}”, "
                          f"{visits} visits, {calls} calls, pools: {main_line.name}, {service_line.name}")
        for username, created in (("admin", admin_created), ("marketer", marketer_created)):
            if username in skipped:
                self.stdout.write(f"{username.capitalize()} login: {username} is a user of another account; "
                                  f"not added to {account.name}")
            elif created:
                self.stdout.write(f"{username.capitalize()} login: {username} / {password}")
            else:
                self.stdout.write(f"{username.capitalize()} login: {username} (existing user; its password was kept)")

    def ensure_user(self, username: str, password: str, *, superuser: bool):
        """(user, created). The demo password is set only on a user this run creates: a password someone
        changed since (every `make run` calls this command) is never reset to the demo one."""
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        created = user is None
        if created:
            user = User(username=username)
            try:
                password_validation.validate_password(password, user)
            except ValidationError as exc:
                raise CommandError(f"{DEMO_PASSWORD_ENV} can't be the password of “{username}”: "
                                   + " ".join(exc.messages)) from None
            user.set_password(password)
            user.is_staff = superuser
            user.is_superuser = superuser
            user.save()
        return user, created

    @staticmethod
    def demo_account() -> Account:
        """The account of the demo website (key "demo"), created with it on the first run. Found by the website,
        not by its name: account names are not unique, and a tenant may call theirs "Demo Co"."""
        site = Website.objects.filter(key="demo").select_related("account").first()
        if site is None:
            return Account.objects.create(name="Demo Co", default_region="US", timezone="America/New_York")
        if site.account.name != "Demo Co":
            raise CommandError(f"The website key “demo” belongs to the account “{site.account.name}”, not to the demo.")
        return site.account

    @staticmethod
    def belongs_elsewhere(user, account) -> bool:
        """A login of another account (a real install that has its own `admin`) never joins Demo Co: the demo
        would otherwise hand that account's person a role here, and the demo's visitors their account's name."""
        memberships = Membership.objects.filter(user=user)
        return memberships.exclude(account=account).exists() and not memberships.filter(account=account).exists()

    def ensure_pool(self, account, website, name, **fields):
        pool = Pool.objects.filter(account=account, name=name).first()
        if pool:
            return pool
        return pool_create(account=account, website=website, name=name, actor=SEED_DEMO, **fields)

    def ensure_trackers(self, pool, count):
        missing = count - CallTracker.objects.live().filter(pool=pool).count()
        if missing > 0:
            trackers_provision(pool=pool, count=missing, actor=SEED_DEMO)

    def ensure_visits(self, website, now) -> int:
        existing = Visit.objects.filter(website=website).count()
        if existing:
            return existing
        rng = random.Random(42)
        visitors, visits, paths = [], [], []
        for query, referrer, count in TRAFFIC:
            for _ in range(count):
                started = now - timedelta(minutes=rng.randint(30, 7 * 24 * 60))
                landing = SITE + rng.choice(LANDING_PAGES) + query.replace("{click}", "Cj0KCQ" + secrets.token_hex(12))
                c = classify(landing, referrer, website.domains)
                visitor = Visitor(
                    website=website, uid=secrets.token_hex(16), first_source=c.source, first_medium=c.medium,
                    first_campaign=c.campaign, first_landing_page=landing, first_seen_at=started, last_seen_at=started,
                )
                visitors.append(visitor)
                # The pages this session loaded: the landing page, then a few others.
                pages = [landing.split("?")[0][len(SITE):]] + rng.sample(LANDING_PAGES, rng.randint(0, 3))
                paths.append([(path, started + timedelta(minutes=2 * i)) for i, path in enumerate(pages)])
                visits.append(Visit(
                    website=website, visitor=visitor, session_uid=secrets.token_hex(16), source=c.source, medium=c.medium,
                    campaign=c.campaign, term=c.term, content=c.content, gclid=c.gclid, gbraid=c.gbraid, wbraid=c.wbraid,
                    msclkid=c.msclkid, fbclid=c.fbclid, landing_page=landing, landing_page_key=page_key(landing),
                    channel=channel_group(c.source, c.medium, c.campaign), referrer=referrer, pageviews=len(pages),
                    started_at=started, last_seen_at=started + timedelta(minutes=2 * len(pages)),
                ))
        Visitor.objects.bulk_create(visitors, batch_size=500)
        Visit.objects.bulk_create(visits, batch_size=500)
        PageView.objects.bulk_create(
            [PageView(visit=visit, path=path, viewed_at=at) for visit, views in zip(visits, paths, strict=True) for path, at in views],
            batch_size=1000,
        )
        return len(visits)

    def ensure_conversions(self, website) -> None:
        """A demo conversion rule (kept when someone changed it) and the calls' conversions derived from it."""
        ConversionRule.objects.get_or_create(website=website, defaults={"min_seconds": 60, "value": Decimal("50.00")})
        website_conversions_recompute(website_id=website.pk)

    def demo_recording(self, pool, talk_seconds) -> dict:
        """Answered calls of a recording pool have a (sandbox, generated) recording, so the demo has a player."""
        if not (pool.record_calls and talk_seconds):
            return {}
        sid = "RE" + secrets.token_hex(16)
        return {"recording_sid": sid, "recording_url": sandbox_recording_url(sid), "recording_duration_seconds": talk_seconds}

    def ensure_calls(self, account, main_line, service_line, now) -> int:
        existing = Call.objects.filter(account=account).count()
        if existing:
            return existing
        rng = random.Random(7)
        # Calls follow visits of the whole week, the newest visit's too: a fresh demo's last call is under an hour
        # old (visits end at least 30 minutes ago), so today and the last 7 days have calls.
        visits = list(Visit.objects.filter(website=main_line.website).order_by("-started_at"))
        visitor_trackers = list(CallTracker.objects.live().filter(pool=main_line))
        source_trackers = list(CallTracker.objects.live().filter(pool=service_line, status="active"))
        callers = [f"+1312555{n:04d}" for n in range(100, 140)]
        calls = []
        for index in range(60):
            visit = visits[0] if index == 0 else rng.choice(visits)
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
                visit=None if by_source else visit,
                attribution_method=Call.Method.SOURCE if by_source else Call.Method.LEASE,
                attribution_confidence=0.9 if by_source else 1.0,
                source=tracker.source if by_source else visit.source, medium=tracker.medium if by_source else visit.medium,
                campaign="" if by_source else visit.campaign, term="" if by_source else visit.term,
                landing_page="" if by_source else visit.landing_page,
                landing_page_key="" if by_source else visit.landing_page_key,
                channel=channel_group(tracker.source, tracker.medium) if by_source else visit.channel,
                gclid="" if by_source else visit.gclid,
                **self.demo_recording(tracker.pool, duration),
            ))
        Call.objects.bulk_create(calls)
        # Calls were generated in random time order: first-time callers are decided by start time.
        calls_first_time_recompute(account=account)
        return len(calls)

from datetime import date, timedelta
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Account, AuditEntry, Membership, RefusedOrigin, Website
from api.models import ApiToken, generate_key, hash_key
from attribution.classification import channel_group, page_key
from attribution.models import PageView, RetentionState, SourceDay, SourceDayRollup, Visit, Visitor
from calls.models import (
    BlockedNumber,
    Call,
    CallerName,
    CallEvent,
    CallOutcomeChange,
    ConversionRule,
    Tag,
)
from core.models import Heartbeat, RateCounter
from dashboard.models import CallLogPreference, SavedCallView
from pools.models import (
    ConcurrencySample,
    Pool,
    PoolChange,
    PoolDayPeak,
    PoolNoticeAudio,
    PoolOriginalNumber,
    PoolPeakRollup,
)
from reports.models import ReportDay, RollupState
from telephony.models import TelephonySettings
from telephony.providers.sandbox import AREA_CODES
from trackers.models import CallTracker, ExhaustionEvent, Lease, TrackerStatusChange

# Sandbox provisioning hands out AREA_CODES from the front; factories take them from the back.
FACTORY_AREA_CODES = AREA_CODES[::-1]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("password")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")
    default_region = "US"
    timezone = "America/New_York"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    role = Membership.Role.MARKETER


class WebsiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Website

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    key = factory.Sequence(lambda n: f"site{n}key")
    domains = factory.LazyAttribute(lambda o: [f"{o.key}.example.com"])
    allowed_origins = factory.LazyAttribute(lambda o: [f"https://{o.key}.example.com"])


class RefusedOriginFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RefusedOrigin

    website = factory.SubFactory(WebsiteFactory)
    origin = factory.Sequence(lambda n: f"https://blocked{n}.example.com")
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyAttribute(lambda o: o.first_seen_at)


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    account = factory.SubFactory(AccountFactory)
    action = "website.changed"
    target_type = "accounts.website"
    target_id = 1
    target_repr = "Main site"
    changes = factory.LazyFunction(lambda: {"name": ["Old", "Main site"]})
    actor_label = "tests"
    created_at = factory.LazyFunction(timezone.now)


class TelephonySettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TelephonySettings

    account = factory.SubFactory(AccountFactory)
    provider = "sandbox"


SIGNALWIRE_PROJECT = "b3877c40-da60-4998-90ad-b792e98472ac"


def signalwire_settings(account):
    """The account on SignalWire as the carrier tests use it: Space, project, API token and signing key."""
    row = TelephonySettingsFactory(account=account, provider="signalwire", signalwire_space_url="example.signalwire.com",
                                   signalwire_project_id=SIGNALWIRE_PROJECT)
    row.set_secret("signalwire_api_token", "PT-secret-token")
    row.set_secret("signalwire_signing_key", "PSK-key")
    row.save()
    return row


class PoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pool

    account = factory.SubFactory(AccountFactory)
    website = factory.SubFactory(WebsiteFactory, account=factory.SelfAttribute("..account"))
    name = factory.Sequence(lambda n: f"Pool {n}")
    kind = Pool.Kind.MANUAL
    tracking = Pool.Tracking.SOURCE
    original_number = "+12025550100"
    size = 5
    utilization = Decimal("1.000")

    class Params:
        automated = factory.Trait(kind=Pool.Kind.AUTOMATED)
        visitor = factory.Trait(tracking=Pool.Tracking.VISITOR)


class PoolChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoolChange

    pool = factory.SubFactory(PoolFactory)
    changes = factory.LazyAttribute(lambda change: {"size": ["5", "6"]})
    actor_label = "tests"
    reason = "created by a factory"
    created_at = factory.LazyFunction(timezone.now)


class CallTrackerFactory(factory.django.DjangoModelFactory):
    """Tracking numbers from the fictional 555-01xx blocks, a new one per tracker."""

    class Meta:
        model = CallTracker

    pool = factory.SubFactory(PoolFactory)
    tracking_number = factory.Sequence(lambda n: f"+1{FACTORY_AREA_CODES[n // 100 % len(FACTORY_AREA_CODES)]}5550{100 + n % 100}")
    status = CallTracker.Status.AVAILABLE
    provider = "sandbox"

    class Params:
        active = factory.Trait(
            status=CallTracker.Status.ACTIVE,
            original_number=factory.SelfAttribute("pool.original_number"),
            activated_at=factory.LazyFunction(timezone.now),
        )
        flagged = factory.Trait(
            status=CallTracker.Status.FLAGGED,
            original_number=factory.SelfAttribute("pool.original_number"),
            flagged_at=factory.LazyFunction(timezone.now),
        )
        available = factory.Trait(status=CallTracker.Status.AVAILABLE)


class TrackerStatusChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrackerStatusChange

    tracker = factory.SubFactory(CallTrackerFactory)
    from_status = ""
    to_status = factory.SelfAttribute("tracker.status")
    source = factory.SelfAttribute("tracker.source")
    medium = factory.SelfAttribute("tracker.medium")
    actor_label = "tests"
    reason = "created by a factory"
    created_at = factory.LazyFunction(timezone.now)


class VisitorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visitor

    website = factory.SubFactory(WebsiteFactory)
    uid = factory.Sequence(lambda n: f"v{n:031d}")
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.SelfAttribute("first_seen_at")


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    website = factory.SubFactory(WebsiteFactory)
    visitor = factory.SubFactory(VisitorFactory, website=factory.SelfAttribute("..website"))
    session_uid = factory.Sequence(lambda n: f"s{n:031d}")
    source = "google"
    medium = "organic"
    landing_page = "https://example.com/"
    campaign = ""
    landing_page_key = factory.LazyAttribute(lambda o: page_key(o.landing_page))
    channel = factory.LazyAttribute(lambda o: channel_group(o.source, o.medium, o.campaign))
    started_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.SelfAttribute("started_at")


class PageViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PageView

    visit = factory.SubFactory(VisitFactory)
    path = "/"
    viewed_at = factory.SelfAttribute("visit.started_at")


class LeaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lease

    tracker = factory.SubFactory(CallTrackerFactory, active=True, pool__tracking="visitor")
    visit = factory.SubFactory(VisitFactory, website=factory.SelfAttribute("..tracker.pool.website"))
    pool_id = factory.SelfAttribute("tracker.pool_id")  # as trackers.leasing writes it
    started_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(minutes=30))


class CallFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Call

    tracker = factory.SubFactory(CallTrackerFactory, active=True)
    account = factory.SelfAttribute("tracker.pool.account")
    pool = factory.SelfAttribute("tracker.pool")
    provider_call_id = factory.Sequence(lambda n: f"CA{n:032d}")
    tracking_number = factory.SelfAttribute("tracker.tracking_number")
    caller_number = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    original_number = factory.SelfAttribute("tracker.pool.original_number")
    status = Call.Status.COMPLETED
    started_at = factory.LazyFunction(timezone.now)
    duration_seconds = 60
    source = ""
    medium = ""
    campaign = ""
    landing_page = ""
    landing_page_key = factory.LazyAttribute(lambda o: page_key(o.landing_page))
    channel = factory.LazyAttribute(lambda o: channel_group(o.source, o.medium, o.campaign) if o.source else "")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"tag {n}")
    color = "#0ea5e9"


class BlockedNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BlockedNumber

    account = factory.SubFactory(AccountFactory)
    number = factory.Sequence(lambda n: f"+1900555{n % 10000:04d}")


class ConversionRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConversionRule

    website = factory.SubFactory(WebsiteFactory)
    min_seconds = 30
    value = Decimal("0.00")


class CallOutcomeChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallOutcomeChange

    call = factory.SubFactory(CallFactory)
    to_outcome = "lead"
    actor_label = "tests"
    created_at = factory.LazyFunction(timezone.now)


class RateCounterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RateCounter

    name = factory.Sequence(lambda n: f"dni:rl:site{n}:203.0.113.{n % 250}")
    minute = 29_000_000
    count = 1


class HeartbeatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Heartbeat
        django_get_or_create = ["name"]

    name = "worker"
    beat_at = factory.LazyFunction(timezone.now)


class ConcurrencySampleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ConcurrencySample

    pool = factory.SubFactory(PoolFactory, visitor=True)
    sampled_at = factory.LazyFunction(timezone.now)
    leased = 1
    size = factory.SelfAttribute("pool.size")


class PoolDayPeakFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoolDayPeak

    pool = factory.SubFactory(PoolFactory, visitor=True)
    day = factory.Sequence(lambda n: date(2026, 1, 1) + timedelta(days=n))
    peak = 3


class PoolPeakRollupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoolPeakRollup

    pool = factory.SubFactory(PoolFactory, visitor=True)
    rolled_until = factory.LazyFunction(timezone.now)
    refreshed_at = factory.LazyFunction(timezone.now)


class PoolOriginalNumberFactory(factory.django.DjangoModelFactory):
    """The pool's current original (an open row); pass `ended_at` for an earlier one."""

    class Meta:
        model = PoolOriginalNumber

    pool = factory.SubFactory(PoolFactory)
    number = factory.SelfAttribute("pool.original_number")
    started_at = factory.LazyFunction(timezone.now)


class ExhaustionEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExhaustionEvent

    pool = factory.SubFactory(PoolFactory, visitor=True)
    occurred_at = factory.LazyFunction(timezone.now)


class CallEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallEvent

    call = factory.SubFactory(CallFactory)
    call_sid = factory.SelfAttribute("call.provider_call_id")
    sequence_number = factory.Sequence(lambda n: n)
    status = "ringing"
    payload = factory.LazyAttribute(lambda o: {"CallSid": o.call_sid, "CallStatus": o.status, "SequenceNumber": str(o.sequence_number)})
    received_at = factory.LazyFunction(timezone.now)


class ReportDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReportDay

    account = factory.SubFactory(AccountFactory)
    day = factory.LazyFunction(lambda: timezone.now().date())
    dimension = "source_medium"
    key1 = "google"
    key2 = "organic"


class SourceDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceDay

    website = factory.SubFactory(WebsiteFactory)
    day = factory.LazyFunction(lambda: timezone.now().date() - timedelta(days=1))
    source = "google"
    medium = "organic"
    visits = 12


class SourceDayRollupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceDayRollup

    website = factory.SubFactory(WebsiteFactory)
    rolled_through = factory.LazyFunction(lambda: timezone.now().date())
    refreshed_at = factory.LazyFunction(timezone.now)


class RetentionStateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RetentionState

    account = factory.SubFactory(AccountFactory)
    visits_purged_before = factory.LazyFunction(lambda: timezone.now() - timedelta(days=400))
    call_events_purged_before = factory.SelfAttribute("visits_purged_before")
    updated_at = factory.LazyFunction(timezone.now)


class RollupStateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RollupState

    account = factory.SubFactory(AccountFactory)
    rolled_through = factory.LazyFunction(lambda: timezone.now().date())
    refreshed_at = factory.LazyFunction(timezone.now)


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """The plain key is on `token.key` (only its hash is stored)."""

    class Meta:
        model = ApiToken

    account = factory.SubFactory(AccountFactory)
    scope = "read"
    key = factory.LazyFunction(generate_key)
    key_hash = factory.LazyAttribute(lambda o: hash_key(o.key))
    key_hint = factory.LazyAttribute(lambda o: o.key[:10])

    @classmethod
    def _create(cls, model_class, *args, key=None, **kwargs):
        token = super()._create(model_class, *args, **kwargs)
        token.key = key
        return token


class CallerNameFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallerName

    account = factory.SubFactory(AccountFactory)
    number = factory.Sequence(lambda n: f"+1415555{n % 10000:04d}")
    caller_name = "JANE DOE"
    looked_up_at = factory.LazyFunction(timezone.now)


class PoolNoticeAudioFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PoolNoticeAudio

    pool = factory.SubFactory(PoolFactory)
    content = b"RIFF....WAVEfmt "
    content_type = "audio/wav"
    digest = "0" * 64
    filename = "notice.wav"


class CallLogPreferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallLogPreference

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    columns = factory.LazyFunction(lambda: ["started", "caller", "result"])


class SavedCallViewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SavedCallView

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"View {n}")
    params = factory.LazyFunction(lambda: {"result": "missed"})

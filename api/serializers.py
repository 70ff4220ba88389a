"""Input serializers check shape; output serializers spell the contract's field names (SPEC "REST API")."""

from datetime import date, timedelta

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Website
from accounts.snippet import script_tag
from calls.models import Call
from calls.payloads import CallOutputSerializer  # noqa: F401  (the API's and the webhooks' call shape)
from pools.models import Pool
from pools.planner import HEALTH_STATES
from reports.aggregates import DIMENSIONS
from reports.attribution_models import LAST, LOOKBACK_DAYS, MODELS
from telephony.number_search import (
    REQUEST_TYPES,
    NumberRequestError,
    number_request_clean,
    number_searches,
)
from trackers.models import CallTracker
from trackers.payloads import TrackerOutputSerializer  # noqa: F401  (the API's and the webhooks' tracker shape)


class WebsiteOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    key = serializers.CharField()
    domains = serializers.ListField(child=serializers.CharField())
    allowed_origins = serializers.ListField(child=serializers.CharField())
    snippet = serializers.SerializerMethodField()

    def get_snippet(self, website) -> str:
        return script_tag(website)


class WebsiteInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    domains = serializers.ListField(child=serializers.CharField(max_length=253), required=False)
    allowed_origins = serializers.ListField(child=serializers.CharField(max_length=200), required=False)


class PoolCountsSerializer(serializers.Serializer):
    active = serializers.IntegerField()
    flagged = serializers.IntegerField()
    available = serializers.IntegerField()


class PoolHealthSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=HEALTH_STATES)
    reason = serializers.CharField(source="sentence", help_text="What is wrong and what to do; empty when ok.")


class NumberRequestSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=REQUEST_TYPES, help_text="local (default: the original's area code, then its state, then nearby), "
                                   "any_area_code (local numbers from any area code: a national business), "
                                   "toll_free or area_code.")
    area_code = serializers.RegexField(r"^[2-9][0-9]{2}$", required=False, help_text="With type area_code: e.g. 720.")
    country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False,
                                     help_text="Two-letter country; default: the original number's.")


class TrafficFilterSerializer(serializers.Serializer):
    sources = serializers.ListField(child=serializers.CharField(max_length=200), max_length=50, required=False,
                                    help_text="e.g. [\"google\"]; empty or absent: any source.")
    mediums = serializers.ListField(child=serializers.CharField(max_length=200), max_length=50, required=False,
                                    help_text="e.g. [\"cpc\"]; empty or absent: any medium.")
    campaigns = serializers.ListField(child=serializers.CharField(max_length=200), max_length=50, required=False,
                                      help_text="utm_campaign values; empty or absent: any campaign.")


class OfflineSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="e.g. I-25 billboard.")  # type: ignore[assignment]  # a field named like Field.label
    source = serializers.CharField(max_length=200, help_text="The source its calls get, e.g. billboard or print.")  # type: ignore[assignment]  # a field named like Field.source
    medium = serializers.CharField(max_length=200, required=False, allow_blank=True, help_text="Default: offline.")


class PoolOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    website = serializers.CharField(source="website.key", help_text="The website's key.")
    kind = serializers.ChoiceField(choices=Pool.Kind.choices)
    tracking = serializers.ChoiceField(choices=Pool.Tracking.choices)
    original_number = serializers.CharField(help_text="E.164.")
    size = serializers.IntegerField()
    utilization = serializers.FloatField()
    min_visits = serializers.IntegerField()
    visit_window_days = serializers.IntegerField()
    flag_days = serializers.IntegerField()
    lease_minutes = serializers.IntegerField()
    exhaustion = serializers.ChoiceField(choices=Pool.Exhaustion.choices)
    retired_at = serializers.DateTimeField(allow_null=True)
    number_request = serializers.SerializerMethodField()
    number_searches = serializers.SerializerMethodField(
        help_text="The searches new numbers come from, in order (e.g. area code 720, then region CO (US)).")
    counts = serializers.SerializerMethodField()
    traffic_filter = TrafficFilterSerializer(
        help_text="Visitor pools: only this traffic leases numbers ({} = every visitor); sizing counts only it.")
    offline = OfflineSerializer(allow_null=True, source="offline_or_none",
                                help_text="Manual pools printed offline: their calls get this source/medium; else null.")
    call_flow = serializers.JSONField(
        allow_null=True, help_text="How calls are handled (business hours, holidays, closed action, ring_seconds, "
                                   "recording_notice, whisper, voicemail_greeting); null = always open, dial the original.")

    health = serializers.SerializerMethodField(help_text="Read-only: can the pool show its numbers (pools.planner).")

    @extend_schema_field(PoolHealthSerializer)
    def get_health(self, pool) -> dict:
        # The view computes the health of the whole page at once (pool_health_by_id) and passes it in the context.
        return PoolHealthSerializer(self.context["health"][pool.pk]).data


    @extend_schema_field(NumberRequestSerializer)
    def get_number_request(self, pool) -> dict:
        try:
            return number_request_clean(pool.number_request, pool.original_number)
        except NumberRequestError:
            return pool.number_request

    def get_number_searches(self, pool) -> list[str]:
        try:
            return [search.describe() for search in number_searches(pool.number_request, pool.original_number)]
        except NumberRequestError:
            return []

    @extend_schema_field(PoolCountsSerializer)
    def get_counts(self, pool) -> dict:
        return {
            "active": getattr(pool, "active_count", 0),
            "flagged": getattr(pool, "flagged_count", 0),
            "available": getattr(pool, "available_count", 0),
        }


class PoolUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Pool.Kind.choices)
    tracking = serializers.ChoiceField(choices=Pool.Tracking.choices)
    original_number = serializers.CharField(max_length=40, help_text="Any form the account's region can read.")
    size = serializers.IntegerField(min_value=0, max_value=10000)
    utilization = serializers.DecimalField(max_digits=4, decimal_places=3, min_value=0, max_value=1)
    min_visits = serializers.IntegerField(min_value=0, max_value=2**31 - 1)
    visit_window_days = serializers.IntegerField(min_value=1, max_value=3650)
    flag_days = serializers.IntegerField(min_value=0, max_value=3650)
    lease_minutes = serializers.IntegerField(min_value=1, max_value=10080)
    exhaustion = serializers.ChoiceField(choices=Pool.Exhaustion.choices)
    number_request = NumberRequestSerializer(required=False, help_text="Where new numbers come from.")
    traffic_filter = TrafficFilterSerializer(required=False, help_text=(
        'Visitor pools: e.g. {"sources": ["google"], "mediums": ["cpc"]}; {} for every visitor.'))
    offline = OfflineSerializer(required=False, allow_null=True, help_text=(
        'Manual pools printed offline: {"label", "source", "medium"}; null for numbers shown on the website.'))
    call_flow = serializers.JSONField(
        required=False, allow_null=True,
        help_text='{"hours": [{"days": [0-6], "open": "HH:MM", "close": "HH:MM"}], "holidays": ["YYYY-MM-DD"], '
                  '"closed": {"action": "voicemail"} | {"action": "forward", "number": "+E164"}, "ring_seconds": 20, '
                  '"recording_notice": "…", "whisper": "…", "voicemail_greeting": "…"}; null = always open.')

    def validate(self, attrs):
        if "offline" in attrs and attrs["offline"] is None:
            attrs["offline"] = {}
        # A pool's trackers, visits and calls belong to its website: moving it is not an update.
        if "website" in self.initial_data and "website" not in self.fields:
            raise serializers.ValidationError({"website": ["A pool's website cannot be changed; create a new pool."]})
        return attrs


class WebsiteKeyField(serializers.SlugRelatedField):
    """A website key; text the database can't hold (NUL bytes) is invalid input, not a server error."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


class PoolCreateInputSerializer(PoolUpdateInputSerializer):
    website = WebsiteKeyField(slug_field="key", queryset=Website.objects.none(), help_text="The website's key.")

    def __init__(self, *args, websites=None, **kwargs):
        super().__init__(*args, **kwargs)
        if websites is not None:
            self.fields["website"].queryset = websites  # type: ignore[attr-defined]  # a WebsiteKeyField

    def get_fields(self):
        fields = super().get_fields()
        for name in ["size", "utilization", "min_visits", "visit_window_days", "flag_days", "lease_minutes",
                     "exhaustion", "kind", "tracking"]:
            fields[name].required = False
        return fields


class TrackerUpdateInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CallTracker.Status.choices, required=False)
    source = serializers.CharField(max_length=200, allow_blank=True, required=False)  # type: ignore[assignment]  # a field named like Field.source
    medium = serializers.CharField(max_length=200, allow_blank=True, required=False)
    reason = serializers.CharField(max_length=300, required=False, default="changed through the API")

    def validate(self, attrs):
        if not {"status", "source", "medium"} & set(attrs):
            raise serializers.ValidationError("Send at least one of status, source, medium.")
        return attrs


class CallUpdateInputSerializer(serializers.Serializer):
    """PATCH /api/v1/calls/{id}/: any of outcome, value, note, tags, score, spam; omitted fields stay as they are."""

    outcome = serializers.ChoiceField(choices=[("", "not set"), *Call.Outcome.choices], allow_blank=True,
                                      allow_null=True, required=False)
    value = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, allow_null=True, required=False)
    note = serializers.CharField(max_length=2000, allow_blank=True, required=False, trim_whitespace=True)
    tags = serializers.ListField(child=serializers.CharField(max_length=50), max_length=50, required=False,
                                 help_text="The call's tags by name (replaces them); a name the account lacks becomes a tag.")
    score = serializers.IntegerField(min_value=1, max_value=5, allow_null=True, required=False, help_text="1–5, or null.")
    spam = serializers.BooleanField(required=False,
                                    help_text="true leaves the call out of reports and conversions and blocks its caller.")

    def validate_note(self, value):
        if "\x00" in value:
            raise serializers.ValidationError("Null characters are not allowed.")
        return value

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send at least one of outcome, value, note, tags, score, spam.")
        return attrs


class TagOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    color = serializers.CharField(help_text="#RRGGBB")


class TagInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", required=False, help_text="#RRGGBB")


class BlockedNumberOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(help_text="E.164 (+12025550123) or a prefix (+1900).")


class BlockedNumberInputSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, help_text="A phone number in any form, or + and the first digits.")


class VisitOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    website = serializers.CharField(source="website.key")
    visitor = serializers.CharField(source="visitor.uid")
    session_uid = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.source
    medium = serializers.CharField()
    campaign = serializers.CharField()
    term = serializers.CharField()
    content = serializers.CharField()
    gclid = serializers.CharField()
    gbraid = serializers.CharField()
    wbraid = serializers.CharField()
    msclkid = serializers.CharField()
    fbclid = serializers.CharField()
    landing_page = serializers.CharField()
    referrer = serializers.CharField()
    ga_client_id = serializers.CharField()
    ga_session_id = serializers.CharField()
    pageviews = serializers.IntegerField()
    is_bot = serializers.BooleanField()
    started_at = serializers.DateTimeField()
    last_seen_at = serializers.DateTimeField()


REPORT_EARLIEST = date(1970, 1, 1)
REPORT_LATEST = date(2999, 12, 31)
REPORT_DEFAULT_DAYS = 30


class ReportQuerySerializer(serializers.Serializer):
    """Fills the defaults from `context["today"]` (the account's today), so `start` and `end` are always set."""

    start = serializers.DateField(required=False, help_text="First day (account time zone); default 30 days before end.")
    end = serializers.DateField(required=False, help_text="Last day, inclusive; default today.")
    website = serializers.CharField(required=False, help_text="A website key, to report one website.")
    limit = serializers.IntegerField(required=False, min_value=1, max_value=1000)
    model = serializers.ChoiceField(
        choices=list(MODELS), default=LAST, required=False,
        help_text=f"Attribution model: `last` session (default), `first` touch, or `linear` over the visitor's sessions "
                  f"in the {LOOKBACK_DAYS} days before each call. Totals are the same in every model.")

    def _in_range(self, value: date) -> date:
        if not REPORT_EARLIEST <= value <= REPORT_LATEST:
            raise serializers.ValidationError(f"Pick a day between {REPORT_EARLIEST} and {REPORT_LATEST}.")
        return value

    validate_start = _in_range
    validate_end = _in_range

    def validate(self, attrs):
        end = attrs.get("end") or self.context["today"]
        start = attrs.get("start") or max(end - timedelta(days=REPORT_DEFAULT_DAYS - 1), REPORT_EARLIEST)
        if start > end:
            field = "end" if "end" in attrs else "start"
            raise serializers.ValidationError({field: ["end is before start." if field == "end"
                                                       else "start is after end (today, unless end is given)."]})
        return {**attrs, "start": start, "end": end}


@extend_schema_field({"type": "number", "description": "A whole number, except under `model=linear` where a call's "
                                                      "credit is shared among its visits (two decimals)."})
class CreditField(serializers.Field):
    """A count of calls credited by an attribution model: an integer, or a two-decimal share under `linear`."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return int(value) if float(value).is_integer() else round(float(value), 2)


class ReportRowSerializer(serializers.Serializer):
    key = serializers.ListField(child=serializers.CharField())
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.label
    calls = CreditField()
    answered = CreditField()
    missed = CreditField(help_text="Calls nobody answered that rang 15 s or more (result `missed`).")
    abandoned = CreditField(help_text="Calls nobody answered the caller left within 15 s (result `abandoned`).")
    busy_or_failed = CreditField(help_text="Calls that found the line busy or could not connect.")
    voicemail = CreditField(help_text="Calls nobody answered where the caller left a voicemail (result `voicemail`).")
    first_time = CreditField()
    visits = serializers.IntegerField(allow_null=True, help_text="Null for tracker and pool: a visit is not tied to one number.")
    conversions = CreditField(help_text="Calls that count as conversions (the website's rule or the call's outcome).")
    value = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True,
                                     help_text="Sum of the conversions' values in the account's currency, as a decimal string.")
    conversion_rate = serializers.FloatField(allow_null=True, help_text="conversions ÷ visits; null without visits.")
    calls_per_visit = serializers.FloatField(allow_null=True, help_text="calls ÷ visits; null without visits.")


class ReportOutputSerializer(serializers.Serializer):
    dimension = serializers.ChoiceField(choices=list(DIMENSIONS))
    model = serializers.ChoiceField(choices=list(MODELS), help_text="The attribution model the calls are credited by.")
    start = serializers.DateField()
    end = serializers.DateField()
    rows = ReportRowSerializer(many=True)


class PlannedActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    tracker = serializers.SerializerMethodField(help_text="The tracking number (E.164); null for trackers still to be created.")
    reason = serializers.CharField()

    def get_tracker(self, action) -> str | None:
        return action.tracking_number or None


class EnforceOutputSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    actions = PlannedActionSerializer(many=True)


class IntegrationOutputSerializer(serializers.Serializer):
    """One integration of the account: an ad platform (google_ads, microsoft_ads, meta — listed connected or not),
    a GA4 data stream (ga4) or a webhook endpoint (webhook), with its last result."""

    integration = serializers.ChoiceField(choices=["google_ads", "microsoft_ads", "meta", "ga4", "webhook"])
    name = serializers.CharField()
    connected = serializers.BooleanField()
    enabled = serializers.BooleanField(help_text="Connected, configured and switched on: sends now.")
    last_result = serializers.CharField(help_text="What happened last, e.g. \"call 12: Sent\" or the platform's error.")
    last_result_at = serializers.DateTimeField(allow_null=True)
    last_success_at = serializers.DateTimeField(allow_null=True)

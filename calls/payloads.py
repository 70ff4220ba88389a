"""The call as the API returns it and webhooks send it: one shape for both faces (api, integrations)."""

from rest_framework import serializers

from calls.models import Call
from calls.results import ABANDON_SECONDS, CallResult


class AttributionSerializer(serializers.Serializer):
    method = serializers.CharField(source="attribution_method")
    confidence = serializers.FloatField(source="attribution_confidence")
    visit = serializers.IntegerField(source="visit_id", allow_null=True)


class CallerLocationSerializer(serializers.Serializer):
    city = serializers.CharField()
    region = serializers.CharField(help_text="US and Canada: the state's or province's code.")
    country = serializers.CharField(help_text="ISO 3166 code.")


class CallOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    provider_call_id = serializers.CharField()
    pool = serializers.IntegerField(source="pool_id", allow_null=True)
    tracker = serializers.IntegerField(source="tracker_id", allow_null=True)
    tracking_number = serializers.CharField()
    caller_number = serializers.CharField()
    original_number = serializers.CharField()
    started_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.IntegerField(help_text="From the caller's first ring to the end of the call.")
    talk_seconds = serializers.IntegerField(help_text="How long the business talked with the caller (0 when not answered).")
    status = serializers.CharField()
    result = serializers.ChoiceField(
        choices=CallResult.choices, read_only=True,
        help_text=f"answered | missed | abandoned (nobody answered, the caller left within {ABANDON_SECONDS} s) | "
                  "busy_or_failed | voicemail | in_progress; `status` keeps the provider's word.")
    first_time_caller = serializers.BooleanField(source="is_first_time_caller")
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.source
    medium = serializers.CharField()
    campaign = serializers.CharField()
    term = serializers.CharField()
    landing_page = serializers.CharField()
    gclid = serializers.CharField()
    attribution = AttributionSerializer(source="*")
    outcome = serializers.ChoiceField(choices=[("", "not set"), *Call.Outcome.choices],
                                      help_text="lead | not_lead | sale, or empty when nobody set one.")
    value = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True,
                                     help_text="The call's own value (overrides the conversion rule's), or null.")
    note = serializers.CharField()
    is_conversion = serializers.BooleanField(help_text="Derived from the website's conversion rule and the outcome.")
    conversion_value = serializers.DecimalField(max_digits=12, decimal_places=2,
                                                help_text="The value the call converted with, in the account's currency (0 when no conversion).")
    has_recording = serializers.BooleanField(read_only=True)
    tags = serializers.SerializerMethodField(help_text="The call's tag names.")
    score = serializers.IntegerField(allow_null=True, help_text="1–5, or null.")
    spam = serializers.BooleanField(help_text="Spam calls are left out of reports, conversions, GA4 and Google Ads.")
    caller_name = serializers.CharField(help_text="The caller's name from the provider's lookup (accounts that turn it "
                                                  "on), or empty.")
    voicemail = serializers.BooleanField(help_text="The caller left a voicemail (the recording is the message).")
    caller_location = CallerLocationSerializer(allow_null=True, read_only=True,
                                               help_text="Where the caller's number is from (offline lookup), or null.")

    def get_tags(self, call) -> list[str]:
        return sorted((tag.name for tag in call.tags.all()), key=str.lower)

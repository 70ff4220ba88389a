from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField, RangeField

from attribution.models import Visit
from calls.models import Call
from calls.results import CallResult, call_result_q
from trackers.models import CallTracker
from transcripts.selectors import calls_said


class IdFilter(django_filters.NumberFilter):
    """An id: a positive integer that fits a bigint, so out-of-range input is a 400, not a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):
    """ISO 8601 in, UTC out: PostgreSQL rejects offsets beyond ±15:59, and some dates don't convert at all."""

    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeRangeField(RangeField):
    widget = django_filters.widgets.DateRangeWidget

    def __init__(self, *args, **kwargs):
        super().__init__((UtcIsoDateTimeField(), UtcIsoDateTimeField()), *args, **kwargs)


class DateTimeRangeFilter(django_filters.IsoDateTimeFromToRangeFilter):
    field_class = UtcIsoDateTimeRangeField


class TrackerFilter(django_filters.FilterSet):
    pool = IdFilter(field_name="pool_id")
    status = django_filters.ChoiceFilter(choices=CallTracker.Status.choices)

    class Meta:
        model = CallTracker
        fields = ["pool", "status"]


class CallFilter(django_filters.FilterSet):
    # ?started_at_after=2026-01-01&started_at_before=2026-01-31T23:59:59Z
    started_at = DateTimeRangeFilter()
    pool = IdFilter(field_name="pool_id")
    tracker = IdFilter(field_name="tracker_id")
    source = django_filters.CharFilter()
    medium = django_filters.CharFilter()
    provider_call_id = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=Call.Status.choices)
    is_conversion = django_filters.BooleanFilter(help_text="true: converting calls only; false: the others.")
    has_recording = django_filters.BooleanFilter(method="filter_has_recording", help_text="Only calls with (true) or without (false) a recording.")
    result = django_filters.ChoiceFilter(choices=CallResult.choices, method="filter_result",
                                         help_text="The call's result, as in the `result` field.")
    tag = django_filters.CharFilter(field_name="tags__name", lookup_expr="iexact", help_text="Calls with this tag (its name).")
    spam = django_filters.BooleanFilter(help_text="true: spam calls only; false: the others. All calls when omitted.")
    said = django_filters.CharFilter(method="filter_said", max_length=100,
                                     help_text="Calls whose transcript says this phrase (PostgreSQL: English full-text "
                                               "search, so “finance” finds “financing”), or whose key phrases keyword "
                                               "spotting heard it.")

    class Meta:
        model = Call
        fields = ["started_at", "pool", "tracker", "source", "medium", "provider_call_id", "status", "is_conversion",
                  "has_recording", "result", "tag", "spam", "said"]

    def filter_result(self, queryset, name, value):
        return queryset.filter(call_result_q(value)) if value else queryset

    def filter_said(self, queryset, name, value):
        return calls_said(queryset, value) if value.strip() else queryset

    def filter_has_recording(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.exclude(recording_sid="") if value else queryset.filter(recording_sid="")


class VisitFilter(django_filters.FilterSet):
    started_at = DateTimeRangeFilter()
    website = django_filters.CharFilter(field_name="website__key", help_text="The website's key.")
    source = django_filters.CharFilter()
    medium = django_filters.CharFilter()
    campaign = django_filters.CharFilter()
    gclid = django_filters.CharFilter()

    class Meta:
        model = Visit
        fields = ["started_at", "website", "source", "medium", "campaign", "gclid"]

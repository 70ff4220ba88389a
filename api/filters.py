import django_filters

from attribution.models import Visit
from calls.models import Call
from trackers.models import CallTracker


class TrackerFilter(django_filters.FilterSet):
    pool = django_filters.NumberFilter(field_name="pool_id")
    status = django_filters.ChoiceFilter(choices=CallTracker.Status.choices)

    class Meta:
        model = CallTracker
        fields = ["pool", "status"]


class CallFilter(django_filters.FilterSet):
    # ?started_at_after=2026-01-01&started_at_before=2026-01-31T23:59:59Z
    started_at = django_filters.IsoDateTimeFromToRangeFilter()
    pool = django_filters.NumberFilter(field_name="pool_id")
    tracker = django_filters.NumberFilter(field_name="tracker_id")
    source = django_filters.CharFilter()
    medium = django_filters.CharFilter()
    provider_call_id = django_filters.CharFilter()
    status = django_filters.ChoiceFilter(choices=Call.Status.choices)

    class Meta:
        model = Call
        fields = ["started_at", "pool", "tracker", "source", "medium", "provider_call_id", "status"]


class VisitFilter(django_filters.FilterSet):
    started_at = django_filters.IsoDateTimeFromToRangeFilter()
    website = django_filters.CharFilter(field_name="website__key", help_text="The website's key.")
    source = django_filters.CharFilter()
    medium = django_filters.CharFilter()
    campaign = django_filters.CharFilter()
    gclid = django_filters.CharFilter()

    class Meta:
        model = Visit
        fields = ["started_at", "website", "source", "medium", "campaign", "gclid"]

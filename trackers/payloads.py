"""The tracker as the API returns it and webhooks send it: one shape for both faces (api, integrations)."""

from rest_framework import serializers

from trackers.models import CallTracker


class TrackerOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    pool = serializers.IntegerField(source="pool_id")
    tracking_number = serializers.CharField()
    status = serializers.ChoiceField(choices=CallTracker.Status.choices)
    source = serializers.CharField()  # type: ignore[assignment]  # a field named like Field.source
    medium = serializers.CharField()
    original_number = serializers.CharField()
    flagged_at = serializers.DateTimeField(allow_null=True)

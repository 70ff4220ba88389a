"""Automation rules in the API (SPEC "Calls at work": `{"id", "name", "position", "enabled", "conditions":
[{"field", "op", "value"}], "actions": [{"type", "value"?}]}`); `business_hours` is what the rule's business-hours
conditions mean. The service (automation.services) checks the values; these check the shape."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from automation.definitions import ACTION_TYPES, FIELD_OPS, OP_LABELS
from automation.models import RuleApplyJob, RuleEffect, RuleRun


@extend_schema_field(OpenApiTypes.ANY)
class AnyValueField(serializers.JSONField):
    pass


class ConditionSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=list(FIELD_OPS))
    op = serializers.ChoiceField(choices=list(OP_LABELS), help_text="eq, ne, in (a list), contains, gte, lte.")
    value = AnyValueField(help_text="A number, text, true/false, a pool id, an E.164 number, \"in\"/\"out\" "
                          "(business_hours) or, with op in, a list of them.")


class ActionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=list(ACTION_TYPES))
    value = AnyValueField(required=False, help_text="add_tag: a tag name (created when missing); set_outcome: lead | "
                          "not_lead | sale; set_value: an amount; set_score: 1–5; notify: user ids and email "
                          "addresses; mark_spam: none.")


class HoursRangeSerializer(serializers.Serializer):
    days = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=6), help_text="0 = Monday.")
    open = serializers.CharField(help_text="HH:MM")
    close = serializers.CharField(help_text="HH:MM")


class BusinessHoursSerializer(serializers.Serializer):
    hours = HoursRangeSerializer(many=True)
    holidays = serializers.ListField(child=serializers.DateField(), required=False)


class RuleOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    position = serializers.IntegerField(help_text="1 runs first; the first rule that sets an outcome, value or "
                                        "score wins.")
    enabled = serializers.BooleanField()
    conditions = ConditionSerializer(many=True)
    actions = ActionSerializer(many=True)
    business_hours = BusinessHoursSerializer(help_text="What business_hours conditions mean (account time zone).")


class RuleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    position = serializers.IntegerField(min_value=1, required=False, help_text="Moves the rule; the rest are renumbered.")
    enabled = serializers.BooleanField(required=False)
    conditions = serializers.ListField(child=serializers.DictField(), required=False,
                                       help_text="All must hold; none: every call.")
    actions = serializers.ListField(child=serializers.DictField(), min_length=1)
    business_hours = serializers.JSONField(required=False, allow_null=True,
                                           help_text="{\"hours\": [{\"days\", \"open\", \"close\"}], \"holidays\"}; "
                                           "default Monday–Friday 09:00–17:00.")


class RuleApplyInputSerializer(serializers.Serializer):
    start = serializers.DateField(help_text="First day (account time zone).")
    end = serializers.DateField(help_text="Last day, inclusive.")


class RuleApplyJobOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.IntegerField(source="rule_id")
    start = serializers.DateField(source="start_date")
    end = serializers.DateField(source="end_date")
    status = serializers.ChoiceField(choices=RuleApplyJob.Status.choices)
    total = serializers.IntegerField(help_text="Calls in the range.")
    processed = serializers.IntegerField()
    matched = serializers.IntegerField()
    changed = serializers.IntegerField()
    task_id = serializers.CharField(help_text="The django-q2 task running it.")
    error = serializers.CharField()
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class RuleApplyOutputSerializer(serializers.Serializer):
    task_id = serializers.CharField()
    job = RuleApplyJobOutputSerializer()


class RulePreviewInputSerializer(serializers.Serializer):
    conditions = serializers.ListField(child=serializers.DictField())
    business_hours = serializers.JSONField(required=False, allow_null=True)


class RulePreviewOutputSerializer(serializers.Serializer):
    matched = serializers.IntegerField()
    calls = serializers.IntegerField(help_text="Final calls of the last `days` days.")
    days = serializers.IntegerField()


class RuleEffectOutputSerializer(serializers.Serializer):
    rule = serializers.IntegerField(source="rule_id", allow_null=True, help_text="Null once the rule is deleted.")
    rule_name = serializers.CharField()
    trigger = serializers.ChoiceField(source="run.trigger", choices=RuleRun.Trigger.choices)
    action = serializers.CharField(source="action_type")
    value = AnyValueField(allow_null=True)
    status = serializers.ChoiceField(choices=RuleEffect.Status.choices,
                                     help_text="applied | unchanged (it was so already) | skipped (see reason).")
    reason = serializers.CharField()
    at = serializers.DateTimeField(source="created_at")

"""`/api/v1/automation-rules/` (CRUD; PATCH `position` reorders; `POST /{id}/apply` applies a rule to past calls;
`POST preview`), `/api/v1/automation-jobs/{id}/` (an apply job's progress) and `/api/v1/calls/{id}/rule-trace/`.
Each view: input serializer → one service or selector → output serializer (the admin and the dashboard call the
same services)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from api import rule_serializers as s
from api.apis import AccountApi
from api.selectors import call_list
from automation.models import AutomationRule
from automation.selectors import PREVIEW_DAYS, call_rule_trace, rule_apply_job_list, rule_list
from automation.services import (
    rule_apply_start,
    rule_create,
    rule_delete,
    rule_preview,
    rule_update,
)


class RuleListApi(ListModelMixin, AccountApi):
    serializer_class = s.RuleOutputSerializer

    def get_queryset(self):
        if self.schema_only():
            return AutomationRule.objects.none()
        return rule_list(account=self.account)

    def get(self, request):
        return self.list(request)

    @extend_schema(request=s.RuleInputSerializer, responses={201: s.RuleOutputSerializer})
    def post(self, request):
        data = s.RuleInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = {"conditions": [], **data.validated_data}
        rule = rule_create(account=self.account, actor=self.actor, **values)
        return Response(s.RuleOutputSerializer(rule).data, status=201)


class RuleDetailApi(AccountApi):
    serializer_class = s.RuleOutputSerializer

    def get_object(self):
        return get_object_or_404(rule_list(account=self.account).select_related("account"), pk=self.kwargs["pk"])

    def get(self, request, pk):
        return Response(s.RuleOutputSerializer(self.get_object()).data)

    @extend_schema(request=s.RuleInputSerializer, responses=s.RuleOutputSerializer)
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(request=s.RuleInputSerializer, responses=s.RuleOutputSerializer,
                   description="Change any part; `position` moves the rule (1 = first) and renumbers the others.")
    def patch(self, request, pk):
        return self._update(request, partial=True)

    def _update(self, request, partial):
        rule = self.get_object()
        data = s.RuleInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        rule = rule_update(rule=rule, actor=self.actor, **data.validated_data)
        return Response(s.RuleOutputSerializer(rule).data)

    @extend_schema(responses={204: None}, description="Delete the rule; its trace on calls keeps its name.")
    def delete(self, request, pk):
        rule_delete(rule=self.get_object(), actor=self.actor)
        return Response(status=204)


class RuleApplyApi(AccountApi):
    serializer_class = s.RuleApplyOutputSerializer

    @extend_schema(request=s.RuleApplyInputSerializer, responses={202: s.RuleApplyOutputSerializer},
                   description="Apply the rule to the final calls that started from `start` to `end` (inclusive, "
                   "account time zone) in the worker. Poll /api/v1/automation-jobs/{job.id}/ for progress.")
    def post(self, request, pk):
        rule = get_object_or_404(rule_list(account=self.account).select_related("account"), pk=pk)
        data = s.RuleApplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = rule_apply_start(rule=rule, actor=self.actor, **data.validated_data)
        job.refresh_from_db()  # queued after commit: the task id (and with a synchronous queue, the progress)
        return Response(s.RuleApplyOutputSerializer({"task_id": job.task_id, "job": job}).data, status=202)


class RulePreviewApi(AccountApi):
    serializer_class = s.RulePreviewOutputSerializer

    @extend_schema(request=s.RulePreviewInputSerializer, responses=s.RulePreviewOutputSerializer,
                   description="How many of the last 30 days' final calls these conditions would have matched.")
    def post(self, request):
        data = s.RulePreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        matched, calls = rule_preview(account=self.account, **data.validated_data)
        return Response(s.RulePreviewOutputSerializer({"matched": matched, "calls": calls, "days": PREVIEW_DAYS}).data)


class RuleApplyJobDetailApi(AccountApi):
    serializer_class = s.RuleApplyJobOutputSerializer

    def get(self, request, pk):
        return Response(s.RuleApplyJobOutputSerializer(get_object_or_404(rule_apply_job_list(account=self.account), pk=pk)).data)


class CallRuleTraceApi(AccountApi):
    serializer_class = s.RuleEffectOutputSerializer

    @extend_schema(responses=s.RuleEffectOutputSerializer(many=True),
                   description="What automation rules did to the call (or why an action was skipped), oldest first.")
    def get(self, request, pk):
        call = get_object_or_404(call_list(account=self.account), pk=pk)
        return Response(s.RuleEffectOutputSerializer(call_rule_trace(account=self.account, call=call), many=True).data)

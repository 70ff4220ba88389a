"""REST API v1: one class per URL; each reads input, calls one selector or service, returns output."""

from zoneinfo import ZoneInfo

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.response import Response

from accounts.selectors import website_list
from accounts.services import website_create, website_update
from api import serializers as s
from api.authentication import ApiTokenAuthentication
from api.exceptions import api_exception_handler
from api.filters import CallFilter, TrackerFilter, VisitFilter
from api.pagination import ApiPagination
from api.permissions import HasAccountToken
from api.selectors import call_list, tracker_get, tracker_list, visit_list
from attribution.models import Visit
from calls.blocklist import blocked_number_add, blocked_number_remove
from calls.models import BlockedNumber, Call, Tag
from calls.outcomes import call_mark
from calls.selectors import blocked_number_list, tag_list
from calls.tags import tag_create, tag_delete, tag_update
from core.actors import Actor
from core.error_codes import INVALID, NOT_FOUND
from core.errors import DomainError
from core.integration_status import integration_statuses
from pools.selectors import pool_health_by_id, pool_list
from pools.services import pool_create, pool_enforce, pool_retire, pool_update
from reports.aggregates import DIMENSIONS
from reports.attribution_models import LAST
from reports.selectors import report_row_list, report_window
from trackers.models import CallTracker
from trackers.services import tracker_update
from transcripts.payloads import CallWithTranscriptSerializer

MAX_ID = 2**63 - 1


class AccountApi(GenericAPIView):
    """Token auth, scope check and the one error shape, for every endpoint under /api/v1/."""

    authentication_classes = [ApiTokenAuthentication]
    permission_classes = [HasAccountToken]

    @property
    def account(self):
        return self.request.auth.account  # type: ignore[union-attr]  # ApiTokenAuthentication sets an ApiToken

    @property
    def actor(self) -> Actor:
        """Writes are recorded as the token (named by its key's first characters) and the person who made it."""
        token = self.request.auth
        return Actor.token(key_hint=token.key_hint, user=token.created_by)  # type: ignore[union-attr]  # an ApiToken

    def schema_only(self) -> bool:
        """drf-spectacular builds the schema without a request token."""
        return getattr(self, "swagger_fake_view", False)

    pagination_class = ApiPagination

    def get_exception_handler(self):
        return api_exception_handler

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # <int:pk> matches any digits; ids beyond a bigint can't exist, and must not reach the database.
        if int(kwargs.get("pk", 0)) > MAX_ID:
            raise Http404



# Websites


class WebsiteListApi(ListModelMixin, AccountApi):
    serializer_class = s.WebsiteOutputSerializer

    def get_queryset(self):
        return website_list(account=self.account)

    def get(self, request):
        return self.list(request)

    @extend_schema(request=s.WebsiteInputSerializer, responses={201: s.WebsiteOutputSerializer})
    def post(self, request):
        data = s.WebsiteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        website = website_create(account=self.account, actor=self.actor, **data.validated_data)
        return Response(s.WebsiteOutputSerializer(website).data, status=201)


class WebsiteDetailApi(AccountApi):
    serializer_class = s.WebsiteOutputSerializer

    def get_object(self):
        return get_object_or_404(website_list(account=self.account), pk=self.kwargs["pk"])

    def get(self, request, pk):
        return Response(s.WebsiteOutputSerializer(self.get_object()).data)

    @extend_schema(request=s.WebsiteInputSerializer, responses=s.WebsiteOutputSerializer)
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(request=s.WebsiteInputSerializer, responses=s.WebsiteOutputSerializer)
    def patch(self, request, pk):
        return self._update(request, partial=True)

    def _update(self, request, partial):
        website = self.get_object()
        data = s.WebsiteInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        website = website_update(website=website, actor=self.actor, **data.validated_data)
        return Response(s.WebsiteOutputSerializer(website).data)


# Pools


def _pools_out(account, pools: list, *, many: bool = True):
    """The pools as the API shows them, with their health computed for all of them at once."""
    health = pool_health_by_id(account=account, pools=pools, now=timezone.now())
    data = s.PoolOutputSerializer(pools, many=True, context={"health": health}).data
    return data if many else data[0]


class PoolListApi(ListModelMixin, AccountApi):
    serializer_class = s.PoolOutputSerializer

    def get_queryset(self):
        return pool_list(account=self.account)

    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # the API always paginates
        return self.get_paginated_response(_pools_out(self.account, list(page)))

    @extend_schema(request=s.PoolCreateInputSerializer, responses={201: s.PoolOutputSerializer})
    def post(self, request):
        data = s.PoolCreateInputSerializer(data=request.data, websites=website_list(account=self.account))
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        pool = pool_create(account=self.account, actor=self.actor, **fields)
        pool = pool_list(account=self.account).get(pk=pool.pk)
        return Response(_pools_out(self.account, [pool], many=False), status=201)


class PoolDetailApi(AccountApi):
    serializer_class = s.PoolOutputSerializer

    def get_object(self):
        return get_object_or_404(pool_list(account=self.account), pk=self.kwargs["pk"])

    def get(self, request, pk):
        return Response(_pools_out(self.account, [self.get_object()], many=False))

    @extend_schema(request=s.PoolUpdateInputSerializer, responses=s.PoolOutputSerializer)
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(request=s.PoolUpdateInputSerializer, responses=s.PoolOutputSerializer)
    def patch(self, request, pk):
        return self._update(request, partial=True)

    def _update(self, request, partial):
        pool = self.get_object()
        data = s.PoolUpdateInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        pool_update(pool=pool, actor=self.actor, **data.validated_data)
        return Response(_pools_out(self.account, [self.get_object()], many=False))

    @extend_schema(responses={204: None}, description="Retire the pool: its trackers keep forwarding for flag_days, "
                   "then their numbers are released. Calls, visits and history are kept.")
    def delete(self, request, pk):
        pool_retire(pool=self.get_object(), actor=self.actor)
        return Response(status=204)


class PoolEnforceApi(AccountApi):
    serializer_class = s.EnforceOutputSerializer

    @extend_schema(
        request=None, responses=s.EnforceOutputSerializer,
        parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL, description="Plan only; change nothing.")],
    )
    def post(self, request, pk):
        pool = get_object_or_404(pool_list(account=self.account), pk=pk)
        dry_run = request.query_params.get("dry_run", "").lower() in {"1", "true", "yes"}
        actions = pool_enforce(pool=pool, dry_run=dry_run, actor=self.actor)
        return Response(s.EnforceOutputSerializer({"dry_run": dry_run, "actions": actions}).data)


# Trackers


class TrackerListApi(ListModelMixin, AccountApi):
    serializer_class = s.TrackerOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = TrackerFilter

    def get_queryset(self):
        if self.schema_only():
            return CallTracker.objects.none()
        return tracker_list(account=self.account)

    def get(self, request):
        return self.list(request)


class TrackerDetailApi(AccountApi):
    serializer_class = s.TrackerOutputSerializer

    def get_object(self):
        return get_object_or_404(tracker_list(account=self.account), pk=self.kwargs["pk"])

    def get(self, request, pk):
        return Response(s.TrackerOutputSerializer(self.get_object()).data)

    @extend_schema(request=s.TrackerUpdateInputSerializer, responses=s.TrackerOutputSerializer)
    def patch(self, request, pk):
        tracker = get_object_or_404(tracker_list(account=self.account).select_related("pool__account"), pk=pk)
        data = s.TrackerUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tracker = tracker_update(tracker=tracker, actor=self.actor, **data.validated_data)
        return Response(s.TrackerOutputSerializer(tracker_get(account=self.account, pk=tracker.pk)).data)


# Calls and visits


INCLUDE_TRANSCRIPT = OpenApiParameter(
    "include", str, enum=["transcript"], required=False,
    description="`transcript`: each call carries its `transcript` (text, speaker segments, key phrases heard), or null.")


class IncludeTranscript:
    """`?include=transcript`: the calls with their transcripts (prefetched: one more query, not one per call)."""

    def include_transcript(self) -> bool:
        return "transcript" in self.request.query_params.get("include", "").split(",")  # type: ignore[attr-defined]

    def call_serializer_class(self):
        return CallWithTranscriptSerializer if self.include_transcript() else s.CallOutputSerializer

    def with_transcripts(self, calls):
        return calls.prefetch_related("transcripts") if self.include_transcript() else calls


@extend_schema(parameters=[INCLUDE_TRANSCRIPT])
class CallListApi(IncludeTranscript, ListModelMixin, AccountApi):
    serializer_class = s.CallOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = CallFilter

    def get_serializer_class(self):
        return self.call_serializer_class()

    def get_queryset(self):
        if self.schema_only():
            return Call.objects.none()
        return self.with_transcripts(call_list(account=self.account))

    def get(self, request):
        return self.list(request)


class CallDetailApi(IncludeTranscript, AccountApi):
    serializer_class = s.CallOutputSerializer

    @extend_schema(parameters=[INCLUDE_TRANSCRIPT])
    def get(self, request, pk):
        call = get_object_or_404(self.with_transcripts(call_list(account=self.account)), pk=pk)
        return Response(self.call_serializer_class()(call).data)

    @extend_schema(request=s.CallUpdateInputSerializer, responses=s.CallOutputSerializer,
                   description="Set the call's outcome, value, note, tags, score and/or spam (write scope). The change "
                   "is kept in the call's history with the token, recomputes is_conversion and sends the call.updated "
                   "webhook. spam: true also puts the caller's number on the block list.")
    def patch(self, request, pk):
        call = get_object_or_404(call_list(account=self.account), pk=pk)
        data = s.CallUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        call_mark(call=call, actor=self.actor, **data.validated_data)
        return Response(s.CallOutputSerializer(get_object_or_404(call_list(account=self.account), pk=pk)).data)


# Tags and the block list


class TagListApi(ListModelMixin, AccountApi):
    serializer_class = s.TagOutputSerializer

    def get_queryset(self):
        if self.schema_only():
            return Tag.objects.none()
        return tag_list(account=self.account)

    def get(self, request):
        return self.list(request)

    @extend_schema(request=s.TagInputSerializer, responses={201: s.TagOutputSerializer})
    def post(self, request):
        data = s.TagInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tag = tag_create(account=self.account, actor=self.actor, **data.validated_data)
        return Response(s.TagOutputSerializer(tag).data, status=201)


class TagDetailApi(AccountApi):
    serializer_class = s.TagOutputSerializer

    def get_object(self):
        return get_object_or_404(tag_list(account=self.account).select_related("account"), pk=self.kwargs["pk"])

    def get(self, request, pk):
        return Response(s.TagOutputSerializer(self.get_object()).data)

    @extend_schema(request=s.TagInputSerializer, responses=s.TagOutputSerializer)
    def put(self, request, pk):
        return self._update(request, partial=False)

    @extend_schema(request=s.TagInputSerializer, responses=s.TagOutputSerializer)
    def patch(self, request, pk):
        return self._update(request, partial=True)

    def _update(self, request, partial):
        tag = self.get_object()
        data = s.TagInputSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        tag = tag_update(tag=tag, actor=self.actor, **data.validated_data)
        return Response(s.TagOutputSerializer(tag).data)

    @extend_schema(responses={204: None}, description="Delete the tag: it leaves every call it was on.")
    def delete(self, request, pk):
        tag_delete(tag=self.get_object(), actor=self.actor)
        return Response(status=204)


class BlockedNumberListApi(ListModelMixin, AccountApi):
    serializer_class = s.BlockedNumberOutputSerializer

    def get_queryset(self):
        if self.schema_only():
            return BlockedNumber.objects.none()
        return blocked_number_list(account=self.account)

    def get(self, request):
        return self.list(request)

    @extend_schema(request=s.BlockedNumberInputSerializer, responses={201: s.BlockedNumberOutputSerializer},
                   description="Block a caller (a number) or every number starting with a prefix (+1900): their calls "
                   "are rejected (busy) before any dial and stored as spam.")
    def post(self, request):
        data = s.BlockedNumberInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        blocked = blocked_number_add(account=self.account, actor=self.actor, **data.validated_data)
        return Response(s.BlockedNumberOutputSerializer(blocked).data, status=201)


class BlockedNumberDetailApi(AccountApi):
    serializer_class = s.BlockedNumberOutputSerializer

    def get_object(self):
        return get_object_or_404(blocked_number_list(account=self.account).select_related("account"), pk=self.kwargs["pk"])

    def get(self, request, pk):
        return Response(s.BlockedNumberOutputSerializer(self.get_object()).data)

    @extend_schema(responses={204: None}, description="Unblock: the number's (or prefix's) calls are dialled again.")
    def delete(self, request, pk):
        blocked_number_remove(blocked=self.get_object(), actor=self.actor)
        return Response(status=204)


class VisitListApi(ListModelMixin, AccountApi):
    serializer_class = s.VisitOutputSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = VisitFilter

    def get_queryset(self):
        if self.schema_only():
            return Visit.objects.none()
        return visit_list(account=self.account)

    def get(self, request):
        return self.list(request)


class VisitDetailApi(AccountApi):
    serializer_class = s.VisitOutputSerializer

    def get(self, request, pk):
        return Response(s.VisitOutputSerializer(get_object_or_404(visit_list(account=self.account), pk=pk)).data)


# Reports


class ReportApi(AccountApi):
    serializer_class = s.ReportOutputSerializer
    pagination_class = None  # type: ignore[assignment]

    @extend_schema(
        parameters=[
            s.ReportQuerySerializer,
            OpenApiParameter("dimension", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(DIMENSIONS)),
        ],
        responses=s.ReportOutputSerializer,
    )
    def get(self, request, dimension):
        if dimension not in DIMENSIONS:
            raise DomainError(INVALID, f"Unknown dimension “{dimension}”.", {"dimension": [f"Choose one of {', '.join(DIMENSIONS)}."]})
        today = timezone.now().astimezone(ZoneInfo(self.account.timezone)).date()
        query = s.ReportQuerySerializer(data=request.query_params, context={"today": today})
        query.is_valid(raise_exception=True)
        start_day, end_day = query.validated_data["start"], query.validated_data["end"]
        website = None
        if "website" in query.validated_data:
            website = get_object_or_404(website_list(account=self.account), key=query.validated_data["website"])
        window = report_window(account=self.account, start_date=start_day, end_date=end_day, website=website)
        model = query.validated_data.get("model", LAST)
        rows = report_row_list(window=window, dimension=dimension, limit=query.validated_data.get("limit"), model=model)
        body = {"dimension": dimension, "model": model, "start": start_day, "end": end_day, "rows": [row.__dict__ for row in rows]}
        return Response(s.ReportOutputSerializer(body).data)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Unrouted paths under /api/v1/ (e.g. /pools/abc/) answer in the error shape too, not Django's HTML 404."""
    return JsonResponse({"error": {"code": NOT_FOUND, "message": "No API resource at this path."}}, status=404)


class IntegrationListApi(AccountApi):
    """Which integrations the account has connected, and their last result (read scope)."""

    serializer_class = s.IntegrationOutputSerializer

    def get(self, request):
        rows = [] if self.schema_only() else integration_statuses(account=self.account)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.IntegrationOutputSerializer(page, many=True).data)

from django.urls import path, re_path

from api import apis, rule_apis

app_name = "api"

urlpatterns = [
    path("websites/", apis.WebsiteListApi.as_view(), name="website-list"),
    path("websites/<int:pk>/", apis.WebsiteDetailApi.as_view(), name="website-detail"),
    path("pools/", apis.PoolListApi.as_view(), name="pool-list"),
    path("pools/<int:pk>/", apis.PoolDetailApi.as_view(), name="pool-detail"),
    path("pools/<int:pk>/enforce", apis.PoolEnforceApi.as_view(), name="pool-enforce"),
    path("trackers/", apis.TrackerListApi.as_view(), name="tracker-list"),
    path("trackers/<int:pk>/", apis.TrackerDetailApi.as_view(), name="tracker-detail"),
    path("calls/", apis.CallListApi.as_view(), name="call-list"),
    path("calls/<int:pk>/", apis.CallDetailApi.as_view(), name="call-detail"),
    path("tags/", apis.TagListApi.as_view(), name="tag-list"),
    path("tags/<int:pk>/", apis.TagDetailApi.as_view(), name="tag-detail"),
    path("block-list/", apis.BlockedNumberListApi.as_view(), name="block-list"),
    path("block-list/<int:pk>/", apis.BlockedNumberDetailApi.as_view(), name="blocked-number-detail"),
    path("automation-rules/", rule_apis.RuleListApi.as_view(), name="automation-rule-list"),
    path("automation-rules/preview", rule_apis.RulePreviewApi.as_view(), name="automation-rule-preview"),
    path("automation-rules/<int:pk>/", rule_apis.RuleDetailApi.as_view(), name="automation-rule-detail"),
    path("automation-rules/<int:pk>/apply", rule_apis.RuleApplyApi.as_view(), name="automation-rule-apply"),
    path("automation-jobs/<int:pk>/", rule_apis.RuleApplyJobDetailApi.as_view(), name="automation-job-detail"),
    path("calls/<int:pk>/rule-trace/", rule_apis.CallRuleTraceApi.as_view(), name="call-rule-trace"),
    path("visits/", apis.VisitListApi.as_view(), name="visit-list"),
    path("visits/<int:pk>/", apis.VisitDetailApi.as_view(), name="visit-detail"),
    path("integrations/", apis.IntegrationListApi.as_view(), name="integration-list"),
    path("reports/<str:dimension>/", apis.ReportApi.as_view(), name="report"),
    re_path(r"^[\s\S]*$", apis.api_not_found),
]

from django.urls import path

from dashboard import account_views, rule_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("calls/", views.call_list, name="call_list"),
    path("calls.csv", views.call_list_csv, name="call_list_csv"),
    path("calls/<int:pk>/", views.call_detail, name="call_detail"),
    path("calls/<int:pk>/outcome", views.call_outcome, name="call_outcome"),
    path("calls/<int:pk>/marks", views.call_marks, name="call_marks"),
    path("calls/<int:pk>/spam", views.call_spam, name="call_spam"),
    path("calls/bulk", views.call_bulk, name="call_bulk"),
    path("calls/layout", views.call_layout, name="call_layout"),
    path("calls/views", views.call_view_save, name="call_view_save"),
    path("calls/views/<int:pk>/delete", views.call_view_delete, name="call_view_delete"),
    path("calls/<int:pk>/recording", views.call_recording, name="call_recording"),
    path("reports/", views.report, name="report_default"),
    path("reports/<slug:dimension>/", views.report, name="report"),
    path("reports/<slug:dimension>.csv", views.report_csv, name="report_csv"),
    path("pools/", views.pool_list, name="pool_list"),
    path("pools/help/", views.pool_help, name="pool_help"),
    path("pools/<int:pk>/", views.pool_detail, name="pool_detail"),
    path("pools/<int:pk>/test-call", views.pool_test_call, name="pool_test_call"),
    path("pools/<int:pk>/add-numbers", views.pool_add_numbers, name="pool_add_numbers"),
    path("rules/", rule_views.rule_list_page, name="rule_list"),
    path("rules/new", rule_views.rule_new, name="rule_new"),
    path("rules/create", rule_views.rule_create_view, name="rule_create"),
    path("rules/preview", rule_views.rule_preview_view, name="rule_preview"),
    path("rules/jobs/<int:pk>", rule_views.rule_job, name="rule_job"),
    path("rules/<int:pk>/", rule_views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/save", rule_views.rule_save, name="rule_save"),
    path("rules/<int:pk>/move", rule_views.rule_move, name="rule_move"),
    path("rules/<int:pk>/toggle", rule_views.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/delete", rule_views.rule_delete_view, name="rule_delete"),
    path("rules/<int:pk>/apply", rule_views.rule_apply, name="rule_apply"),
    path("websites/", views.website_list, name="website_list"),
    path("websites/refused-origins/<int:pk>/dismiss", views.refused_origin_dismiss_view, name="refused_origin_dismiss"),
    path("accounts/", account_views.account_list, name="account_list"),
    path("accounts/switch", account_views.account_switch, name="account_switch"),
    path("websites/callpool-wordpress.zip", views.wordpress_plugin, name="wordpress_plugin"),
]

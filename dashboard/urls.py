from django.urls import path

from dashboard import account_views, views

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
    path("calls/<int:pk>/recording", views.call_recording, name="call_recording"),
    path("reports/", views.report, name="report_default"),
    path("reports/<slug:dimension>/", views.report, name="report"),
    path("reports/<slug:dimension>.csv", views.report_csv, name="report_csv"),
    path("pools/", views.pool_list, name="pool_list"),
    path("pools/<int:pk>/", views.pool_detail, name="pool_detail"),
    path("pools/<int:pk>/test-call", views.pool_test_call, name="pool_test_call"),
    path("pools/<int:pk>/add-numbers", views.pool_add_numbers, name="pool_add_numbers"),
    path("pools/<int:pk>/call-flow/", views.pool_call_flow, name="pool_call_flow"),
    path("pools/<int:pk>/call-flow/save", views.pool_call_flow_save, name="pool_call_flow_save"),
    path("websites/", views.website_list, name="website_list"),
    path("accounts/", account_views.account_list, name="account_list"),
    path("accounts/switch", account_views.account_switch, name="account_switch"),
    path("websites/callpool-wordpress.zip", views.wordpress_plugin, name="wordpress_plugin"),
]

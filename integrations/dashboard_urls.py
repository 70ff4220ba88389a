from django.urls import path

from integrations import views

app_name = "integrations_dashboard"

urlpatterns = [
    path("", views.integrations_overview, name="overview"),
    path("webhooks/<int:pk>/", views.webhook_endpoint_detail, name="webhook-detail"),
    path("webhooks/<int:pk>/test", views.webhook_endpoint_test, name="webhook-test"),
    path("ga4/<int:pk>/test", views.ga4_test, name="ga4-test"),
    path("webhooks/deliveries/<int:pk>/replay", views.webhook_delivery_replay, name="webhook-replay"),
    path("google-ads/connect", views.oauth_connect, {"platform": "google_ads"}, name="google-ads-connect"),
    path("google-ads/callback", views.oauth_callback, {"platform": "google_ads"}, name="google-ads-callback"),
    path("microsoft-ads/connect", views.oauth_connect, {"platform": "microsoft_ads"}, name="microsoft-ads-connect"),
    path("microsoft-ads/callback", views.oauth_callback, {"platform": "microsoft_ads"}, name="microsoft-ads-callback"),
    path("google-ads/choices", views.google_ads_load_choices, name="google-ads-choices"),
    path("ads/<str:platform>/settings", views.ad_connection_update, name="ad-connection-update"),
    path("ads/<str:platform>/disconnect", views.ad_connection_disconnect, name="ad-connection-disconnect"),
    path("google-ads.csv", views.google_ads_download, name="google-ads-download"),
]

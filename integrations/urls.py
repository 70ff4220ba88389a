from django.urls import path

from integrations import views

app_name = "integrations"

urlpatterns = [
    path("google-ads/<str:token>.csv", views.google_ads_feed, name="google-ads-feed"),
]

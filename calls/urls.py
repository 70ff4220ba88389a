"""Mounted at /telephony/: the provider webhooks (the URLs numbers are bought with)."""

from django.urls import path

from calls import views

app_name = "calls"

twilio_urls = [
    path("twilio/voice", views.twilio_voice, name="twilio-voice"),
    path("twilio/status", views.twilio_status, name="twilio-status"),
    path("twilio/recording", views.twilio_recording, name="twilio-recording"),
]

urlpatterns = twilio_urls

"""Mounted at /telephony/ beside the calls app's webhooks."""

from django.urls import path

from transcripts import views

app_name = "transcripts"

urlpatterns = [
    path("twilio/transcription", views.twilio_transcription, name="twilio-transcription"),
]

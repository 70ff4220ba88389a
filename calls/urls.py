"""Mounted at /telephony/: the provider webhooks (the URLs numbers are bought with)."""

from django.urls import path

from calls import views

app_name = "calls"

twilio_urls = [
    path("twilio/voice", views.twilio_voice, name="twilio-voice"),
    path("twilio/status", views.twilio_status, name="twilio-status"),
    path("twilio/recording", views.twilio_recording, name="twilio-recording"),
    path("twilio/dial-result", views.twilio_dial_result, name="twilio-dial-result"),
    path("twilio/whisper", views.twilio_whisper, name="twilio-whisper"),
    path("twilio/voicemail", views.twilio_voicemail, name="twilio-voicemail"),
]

urlpatterns = [
    *twilio_urls,
    path("notice/<int:pool_id>/<str:token>", views.notice_audio, name="notice-audio"),
]

"""Mounted at /telephony/: the provider webhooks (the URLs numbers are bought with), /telephony/<provider>/…"""

from django.urls import path

from calls import views

app_name = "calls"

twilio_urls = [
    path("twilio/voice", views.twilio_voice, name="twilio-voice"),
    path("twilio/status", views.twilio_status, name="twilio-status"),
    path("twilio/recording", views.twilio_recording, name="twilio-recording"),
]

signalwire_urls = [
    path("signalwire/voice", views.signalwire_voice, name="signalwire-voice"),
    path("signalwire/status", views.signalwire_status, name="signalwire-status"),
    path("signalwire/recording", views.signalwire_recording, name="signalwire-recording"),
]

telnyx_urls = [
    path("telnyx/voice", views.telnyx_voice, name="telnyx-voice"),
    path("telnyx/status", views.telnyx_status, name="telnyx-status"),
    path("telnyx/recording", views.telnyx_recording, name="telnyx-recording"),
]

flow_urls = [
    path(f"{provider}/{step}", getattr(views, f"{provider}_{step.replace('-', '_')}"), name=f"{provider}-{step}")
    for provider in ("twilio", "signalwire", "telnyx") for step in ("dial-result", "whisper", "voicemail")
]

urlpatterns = [
    *twilio_urls, *signalwire_urls, *telnyx_urls, *flow_urls,
    path("notice/<int:pool_id>/<str:token>", views.notice_audio, name="notice-audio"),
]

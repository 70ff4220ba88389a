"""The provider webhooks skip the middleware they need not (dni_snippet.middleware.DniDirectMiddleware): sessions,
authentication, messages, CSRF, clickjacking headers, axes, and the health check of a busy connection. The security
headers, the bad-text guard and the signature check still apply to every one of them."""

import pytest
from django.db import connection

from calls.models import Call
from tests.calls.payloads import voice_payload

VOICE = "/telephony/twilio/voice"
STATUS = "/telephony/twilio/status"


def test_a_voice_webhook_skips_the_dashboard_middleware_but_keeps_the_security_headers(twilio_post, active_tracker):
    response = twilio_post(VOICE, voice_payload(to=active_tracker.tracking_number))

    assert response.status_code == 200 and b"<Dial" in response.content
    assert response["X-Content-Type-Options"] == "nosniff"  # SecurityMiddleware
    assert "X-Frame-Options" not in response  # XFrameOptionsMiddleware did not run
    assert "Set-Cookie" not in response and not response.cookies
    assert response.wsgi_request.resolver_match.url_name == "twilio-voice"
    assert not hasattr(response.wsgi_request, "user") and not hasattr(response.wsgi_request, "session")


@pytest.mark.parametrize("path", [VOICE, STATUS])
def test_a_webhook_with_a_bad_signature_is_still_refused(twilio_post, active_tracker, path):
    response = twilio_post(path, voice_payload(to=active_tracker.tracking_number), signature="bad")

    assert response.status_code == 403
    assert not Call.objects.exists()


def test_a_webhook_with_a_nul_byte_is_still_refused_before_the_view(twilio_post, active_tracker):
    payload = voice_payload(to=active_tracker.tracking_number)
    payload["CallerName"] = "bad\x00name"

    response = twilio_post(VOICE, payload)

    assert response.status_code == 400 and "X-Frame-Options" not in response
    assert not Call.objects.exists()


def test_an_unknown_telephony_path_goes_down_the_whole_stack(client):
    response = client.post("/telephony/twilio/nothing-here")

    assert response.status_code == 404 and response["X-Frame-Options"] == "DENY"


def test_a_busy_connection_is_not_health_checked_for_a_webhook(twilio_post, active_tracker, monkeypatch):
    twilio_post(VOICE, voice_payload(to=active_tracker.tracking_number))
    checks = []
    monkeypatch.setattr(connection, "is_usable", lambda: checks.append(True) or True)
    assert connection.health_check_enabled  # CONN_HEALTH_CHECKS, the production setting
    connection.health_check_done = False  # what request_started does to a kept connection (the test client does not)

    twilio_post(VOICE, voice_payload(to=active_tracker.tracking_number, call_sid="CA" + "2" * 32))

    assert checks == []

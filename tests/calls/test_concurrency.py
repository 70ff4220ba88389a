"""Twilio retries webhooks while the first attempt is still running: concurrent duplicates must collapse."""

import threading

import pytest
from django.db import connection
from django.test import Client

from calls.models import Call, CallEvent
from tests.calls.payloads import dialed_status_payload, sign, voice_payload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
THREADS = 6


def post_concurrently(path: str, payload: dict) -> list[int]:
    barrier = threading.Barrier(THREADS)
    codes: list[int] = []
    signature = sign(payload, path)

    def worker():
        try:
            barrier.wait()
            codes.append(Client().post(path, data=payload, HTTP_X_TWILIO_SIGNATURE=signature).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return codes


def test_concurrent_duplicate_voice_webhooks_record_one_call_and_all_dial(twilio_env, active_tracker):
    codes = post_concurrently("/telephony/twilio/voice", voice_payload(to=active_tracker.tracking_number))

    assert codes == [200] * THREADS
    assert Call.objects.count() == 1


def test_concurrent_duplicate_callbacks_are_applied_once(twilio_env, active_tracker):
    Client().post("/telephony/twilio/voice", data=(p := voice_payload(to=active_tracker.tracking_number)),
                  HTTP_X_TWILIO_SIGNATURE=sign(p, "/telephony/twilio/voice"))
    payload = dialed_status_payload(parent_sid=p["CallSid"], status="completed", sequence=3, call_duration=42)

    codes = post_concurrently("/telephony/twilio/status", payload)

    assert codes == [200] * THREADS
    assert CallEvent.objects.count() == 1
    call = Call.objects.get()
    assert (call.status, call.talk_seconds) == ("completed", 42)

import pytest
import requests

from integrations.explain import (
    ga4_validation_explained,
    webhook_request_error,
    webhook_status_error,
)

RAW_DNS = ("HTTPSConnectionPool(host='hooks.exmaple.com', port=443): Max retries exceeded with url: /in (Caused by "
           "NameResolutionError(\"<urllib3.connection.HTTPSConnection object at 0x7f>: Failed to resolve\"))")


@pytest.mark.parametrize(("exc", "words"), [
    (requests.ConnectionError(RAW_DNS), "host name could not be found"),
    (requests.ConnectionError("[Errno 111] Connection refused"), "refused the connection"),
    (requests.ConnectionError("refused: hooks.local resolves to 10.0.0.5, not a public address"), "private network"),
    (requests.ConnectTimeout("timed out"), "did not answer within 5 seconds"),
    (requests.ReadTimeout("timed out"), "did not answer within 5 seconds"),
    (requests.exceptions.SSLError("CERTIFICATE_VERIFY_FAILED"), "certificate was not accepted"),
    (requests.ConnectionError("something odd"), "Could not connect"),
])
def test_a_failed_webhook_request_reads_as_a_sentence_not_an_exception(exc, words):
    text = webhook_request_error(exc, timeout_seconds=5)
    assert words in text
    assert "Error" not in text and "0x7f" not in text and "HTTPSConnectionPool" not in text


def test_an_http_answer_keeps_its_code_and_says_what_it_means():
    assert webhook_status_error(404).startswith("HTTP 404: no such page")
    assert "signatures" in webhook_status_error(401)
    assert "receiver's own code" in webhook_status_error(502)
    assert "redirect" in webhook_status_error(301)


def test_googles_validation_messages_come_with_what_to_do():
    explained = ga4_validation_explained([
        {"fieldPath": "events", "description": "Event at index: [0] has invalid name [_bad].",
         "validationCode": "NAME_INVALID"},
        {"description": "Measurement id is invalid", "validationCode": "VALUE_INVALID"},
    ])
    assert explained[0].startswith("Event at index: [0] has invalid name [_bad] (field “events”). The event name")
    assert "G-XXXXXXX" in explained[1]

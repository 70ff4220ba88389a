import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from telephony.webhooks import (
    twilio_signature,
    twilio_signature_is_valid,
    twilio_signature_required,
)

# Twilio's published example (SPEC "Telephony").
VECTOR_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
VECTOR_PARAMS = {
    "CallSid": "CA1234567890ABCDE", "Caller": "+14158675309", "Digits": "1234", "From": "+14158675309",
    "To": "+18005551212",
}
VECTOR_SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_published_vector_computes_the_published_signature():
    assert twilio_signature(token="12345", url=VECTOR_URL, params=VECTOR_PARAMS) == VECTOR_SIGNATURE


def test_published_vector_validates():
    assert twilio_signature_is_valid(url=VECTOR_URL, params=VECTOR_PARAMS, signature=VECTOR_SIGNATURE, tokens=["12345"])


def test_another_token_does_not_validate_the_vector():
    assert not twilio_signature_is_valid(url=VECTOR_URL, params=VECTOR_PARAMS, signature=VECTOR_SIGNATURE, tokens=["54321"])


def test_any_of_several_tokens_may_sign():
    assert twilio_signature_is_valid(url=VECTOR_URL, params=VECTOR_PARAMS, signature=VECTOR_SIGNATURE,
                                     tokens=["", "other", "12345"])


def test_empty_signature_never_validates():
    assert not twilio_signature_is_valid(url=VECTOR_URL, params=VECTOR_PARAMS, signature="", tokens=["12345"])


@pytest.fixture
def signed_view():
    @twilio_signature_required(lambda request: ["12345"])
    def view(request):
        return HttpResponse("ok")

    return view


def test_decorator_checks_public_base_url_plus_path_and_query(settings, signed_view):
    # Behind a proxy the request arrives as http://internal:8000/…; Twilio signed the public https URL.
    settings.PUBLIC_BASE_URL = "https://mycompany.com"
    request = RequestFactory().post("/myapp.php?foo=1&bar=2", data=VECTOR_PARAMS, HTTP_HOST="internal:8000",
                                    HTTP_X_TWILIO_SIGNATURE=VECTOR_SIGNATURE)

    assert signed_view(request).status_code == 200


def test_decorator_rejects_a_bad_signature_with_403(settings, signed_view):
    settings.PUBLIC_BASE_URL = "https://mycompany.com"
    request = RequestFactory().post("/myapp.php?foo=1&bar=2", data={**VECTOR_PARAMS, "Digits": "9999"},
                                    HTTP_X_TWILIO_SIGNATURE=VECTOR_SIGNATURE)

    assert signed_view(request).status_code == 403


def test_decorator_rejects_a_missing_signature_with_403(settings, signed_view):
    settings.PUBLIC_BASE_URL = "https://mycompany.com"
    request = RequestFactory().post("/myapp.php?foo=1&bar=2", data=VECTOR_PARAMS)

    assert signed_view(request).status_code == 403

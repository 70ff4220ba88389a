"""What went wrong with an integration, in words a marketer can act on: a failed webhook request (instead of the
exception's class and repr) and Google's answer to a GA4 test event. Pure functions, no I/O."""

import requests

# Checked in order: the first fragment found in the exception's text names the cause.
CONNECTION_CAUSES = (
    (("not a public address",), "Refused: the endpoint's host name points to a private network address, which "
                                "webhooks never call. Use the receiver's public URL."),
    (("NameResolution", "does not resolve", "Name or service not known", "nodename nor servname", "getaddrinfo"),
     "The endpoint's host name could not be found. Check the URL's spelling and that its DNS record exists."),
    (("Connection refused", "ECONNREFUSED", "refused"),
     "The endpoint's server refused the connection: nothing is listening at that address and port."),
    (("Connection reset", "RemoteDisconnected", "aborted"),
     "The endpoint's server closed the connection without answering."),
)


def webhook_request_error(exc: requests.RequestException, *, timeout_seconds: int | float) -> str:
    """A failed webhook request (no HTTP answer at all) in words."""
    text = str(exc)
    if isinstance(exc, requests.Timeout):
        return f"The endpoint did not answer within {timeout_seconds:g} seconds."
    if isinstance(exc, requests.exceptions.SSLError):
        return ("The endpoint's HTTPS certificate was not accepted (expired, self-signed or issued for another "
                "host name).")
    if isinstance(exc, requests.ConnectionError):
        for fragments, words in CONNECTION_CAUSES:
            if any(fragment in text for fragment in fragments):
                return words
        return "Could not connect to the endpoint's server."
    return "The request to the endpoint could not be sent."


def webhook_status_error(status_code: int | None) -> str:
    """An HTTP answer that is not a success, in words ("HTTP 404: …" keeps the code people search for)."""
    if status_code is None:
        return "The endpoint gave no answer."
    if 300 <= status_code < 400:
        why = "a redirect, which webhooks do not follow: use the final URL"
    elif status_code in (401, 403):
        why = "the receiver refused the message: check that it verifies signatures with this endpoint's secret"
    elif status_code == 404:
        why = "no such page at the receiver: check the URL's path"
    elif status_code == 410:
        why = "the receiver says this URL is gone for good"
    elif status_code == 429:
        why = "the receiver asked us to slow down; it is tried again later"
    elif status_code >= 500:
        why = "an error in the receiver's own code or server"
    else:
        why = "the receiver rejected the message"
    return f"HTTP {status_code}: {why}."


# Google's validationCode values (Measurement Protocol validation server), each with what to do about it.
GA4_VALIDATION_ADVICE = {
    "VALUE_INVALID": "A value is not allowed. If it is the measurement id, copy it again from GA4 (Admin → Data "
                     "streams → your web stream); it looks like G-XXXXXXX.",
    "VALUE_REQUIRED": "Something GA4 needs is missing.",
    "NAME_INVALID": "The event name is not allowed: letters, digits and underscores, starting with a letter.",
    "NAME_RESERVED": "The event name is one GA4 reserves for itself; choose another name.",
    "VALUE_OUT_OF_BOUNDS": "A value is too long or too large for GA4.",
    "EXCEEDED_MAX_ENTITIES": "Too many events or parameters in one request.",
    "NAME_DUPLICATED": "The same name was sent twice in one request.",
}
GA4_SECRET_NOT_CHECKED = ("Google does not check the API secret in a test: a wrong one silently drops real events. "
                          "Compare it with GA4 → Admin → Data streams → Measurement Protocol API secrets.")


def ga4_validation_explained(messages: list[dict]) -> list[str]:
    """Google's validation messages, each as Google's own description followed by what to do about it."""
    explained = []
    for message in messages:
        description = str(message.get("description") or message.get("validationCode") or "Unknown problem").strip()
        advice = GA4_VALIDATION_ADVICE.get(str(message.get("validationCode") or ""), "")
        field = str(message.get("fieldPath") or "")
        where = f" (field “{field}”)" if field else ""
        explained.append(f"{description.rstrip('.')}{where}. {advice}".strip())
    return explained

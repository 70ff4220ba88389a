"""The voice fallback URL a number is bought with: static TwiML that dials the original number.

Twilio requests a number's `voice_fallback_url` when the voice URL fails (callpool down, 5xx,
timeout). It must therefore not be served by callpool. We use Twilio's hosted "Forward" Twimlet
(https://www.twilio.com/labs/twimlets/forward): a stateless URL that answers
`<Dial>PhoneNumber</Dial>`, built per original number, and needing no setup in the Twilio console
(TwiML Bins cannot be created through the API). The Twimlet passes the caller's number through
as caller id, like our own voice webhook does.
"""

from urllib.parse import parse_qs, urlencode, urlsplit

TWIMLET_FORWARD_URL = "https://twimlets.com/forward"


def forward_fallback_url(original_number: str) -> str:
    return f"{TWIMLET_FORWARD_URL}?{urlencode({'PhoneNumber': original_number})}"


def forwarded_number(fallback_url: str) -> str:
    """The number a `forward_fallback_url` dials ("" for any other URL): providers without per-number fallback URLs
    (Telnyx: one URL per TeXML application) forward the number itself there when callpool fails."""
    parsed = urlsplit(fallback_url or "")
    if f"{parsed.scheme}://{parsed.netloc}{parsed.path}" != TWIMLET_FORWARD_URL:
        return ""
    return (parse_qs(parsed.query).get("PhoneNumber") or [""])[0]

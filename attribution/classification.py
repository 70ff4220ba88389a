"""Server-side source/medium classification of a session (SPEC "Source/medium classification").

Pure functions over strings: no ORM, no clock, never raises on any input.
"""

import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from attribution.referrers import referrer_for_host, search_engine_for_host, search_engine_names

DIRECT = ("(direct)", "(none)")
NOT_SET = "(not set)"
NOT_PROVIDED = "(not provided)"
MAX_LEN = 200
CLICK_IDS = ("gclid", "gbraid", "wbraid", "msclkid", "fbclid")
# Ad clicks that carry a keyword only when the ad's tracking template adds one (fbclid is no search click).
PAID_CLICK_IDS = ("gclid", "gbraid", "wbraid", "msclkid")
# utm_term, else the parameters ValueTrack tracking templates commonly use.
KEYWORD_PARAMS = ("utm_term", "keyword", "kw", "utm_keyword")
# What the install page and the keyword report suggest for Google Ads' "Final URL suffix" / tracking template.
ADS_TRACKING_TEMPLATE = "{lpurl}?utm_source=google&utm_medium=cpc&utm_campaign={campaignid}&utm_term={keyword}"


@dataclass(frozen=True)
class Classification:
    source: str
    medium: str
    campaign: str = ""
    term: str = ""
    content: str = ""
    gclid: str = ""
    gbraid: str = ""
    wbraid: str = ""
    msclkid: str = ""
    fbclid: str = ""

    @property
    def is_direct(self) -> bool:
        return (self.source, self.medium) == DIRECT


def _hostname(url: str) -> str:
    try:
        host = urlsplit(url.strip()).hostname or ""
    except ValueError:
        return ""
    return host.lower().rstrip(".")


def _query(url: str) -> dict[str, str]:
    try:
        query = urlsplit(url.strip()).query
        params = parse_qs(query, keep_blank_values=False)
    except ValueError:
        return {}
    return {key.lower(): values[0].strip()[:MAX_LEN] for key, values in params.items() if values and values[0].strip()}


def _is_own(host: str, own_hosts) -> bool:
    for own in own_hosts or ():
        own = (own or "").lower().strip(".")
        if own.startswith("www."):
            own = own[4:]
        if own and (host == own or host.endswith("." + own)):
            return True
    return False


def keyword_for(params: dict[str, str], medium: str) -> str:
    """The SPEC's keyword rule: the first keyword parameter; else `(not set)` for a paid click (its ad's
    tracking template adds none), `(not provided)` for organic search (engines hide it), else nothing."""
    for name in KEYWORD_PARAMS:
        if params.get(name):
            return params[name]
    if any(params.get(name) for name in PAID_CLICK_IDS):
        return NOT_SET
    if medium == "organic":
        return NOT_PROVIDED
    return ""


def keyword_from_url(page_url: str, medium: str) -> str:
    return keyword_for(_query(page_url if isinstance(page_url, str) else ""), (medium or "").lower())


def page_key(url: str) -> str:
    """The landing *page* reports group by: lower-cased host + path, no query or fragment, no trailing slash
    except the root `/`. Every ad click on /contact (each with its own gclid) is the same page."""
    if not isinstance(url, str) or not url.strip():
        return ""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
    except ValueError:
        return ""
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return (host + path).lower()[:2000]


def classify(page_url: str, referrer: str, own_hosts=()) -> Classification:
    """How a session arrived: utm_* first, then click ids, then the referrer's hostname, else (direct)/(none)."""
    page_url = page_url if isinstance(page_url, str) else ""
    referrer = referrer if isinstance(referrer, str) else ""
    params = _query(page_url)
    clicks = {name: params.get(name, "") for name in CLICK_IDS}
    extra = {"campaign": params.get("utm_campaign", ""), "content": params.get("utm_content", ""), **clicks}
    c = _classify(params, clicks, extra, referrer, own_hosts)
    return replace(c, term=keyword_for(params, c.medium))


def _classify(params, clicks, extra, referrer, own_hosts) -> Classification:
    if params.get("utm_source") or params.get("utm_medium"):
        source = params.get("utm_source", "").lower() or NOT_SET
        medium = params.get("utm_medium", "").lower() or NOT_SET
        return Classification(source=source, medium=medium, **extra)
    if clicks["gclid"] or clicks["gbraid"] or clicks["wbraid"]:
        return Classification(source="google", medium="cpc", **extra)
    if clicks["msclkid"]:
        return Classification(source="bing", medium="cpc", **extra)
    host = _hostname(referrer)
    if not host or _is_own(host, own_hosts):
        # A same-site referrer is navigation inside the site, never a new source.
        return Classification(source=DIRECT[0], medium=DIRECT[1], **extra)
    known = referrer_for_host(host)
    if known:
        # Search engines are organic, webmail is email, AI assistants are referrals under their own name.
        return Classification(source=known[0][:MAX_LEN], medium=known[1], **extra)
    domain = host[4:] if host.startswith("www.") else host
    return Classification(source=domain[:MAX_LEN], medium="referral", **extra)


# --- GA4 default channel group --------------------------------------------------------------

PAID_MEDIUM = re.compile(r"^(.*cp.*|ppc|retargeting|paid.*)$")
SOCIAL_MEDIUM = {"social", "social-network", "social-media", "sm", "social network", "social media"}
DISPLAY_MEDIUM = {"display", "banner", "expandable", "interstitial", "cpm"}
EMAIL = {"email", "e-mail", "e_mail", "e mail"}


@lru_cache(maxsize=1)
def _categories() -> dict[str, frozenset[str]]:
    path = Path(__file__).resolve().parent / "data" / "channel_sources.json"
    raw = json.loads(path.read_text())
    return {key: frozenset(values) for key, values in raw.items() if not key.startswith("_")}


def _is_search_source(source: str) -> bool:
    return source in search_engine_names() or search_engine_for_host(source) is not None


def channel_group(source: str, medium: str, campaign: str = "") -> str:
    """GA4's default channel group for a source/medium (the rules in GA's documented order)."""
    source = (source or "").lower()
    medium = (medium or "").lower()
    campaign = (campaign or "").lower()
    cats = _categories()
    is_paid = bool(PAID_MEDIUM.match(medium))
    if source == "(direct)" and medium in ("(none)", "(not set)", ""):
        return "Direct"
    if "cross-network" in campaign:
        return "Cross-network"
    if (source in cats["shopping"] or re.match(r"^(.*(([^a-df-z]|^)shop|shopping).*)$", campaign)) and is_paid:
        return "Paid Shopping"
    if _is_search_source(source) and is_paid:
        return "Paid Search"
    if source in cats["social"] and is_paid:
        return "Paid Social"
    if source in cats["video"] and is_paid:
        return "Paid Video"
    if medium in DISPLAY_MEDIUM:
        return "Display"
    if is_paid:
        return "Paid Other"
    if source in cats["shopping"] or re.match(r"^(.*(([^a-df-z]|^)shop|shopping).*)$", campaign):
        return "Organic Shopping"
    if source in cats["social"] or medium in SOCIAL_MEDIUM:
        return "Organic Social"
    if source in cats["video"] or "video" in medium:
        return "Organic Video"
    if _is_search_source(source) or medium == "organic":
        return "Organic Search"
    if medium in ("referral", "app", "link"):
        return "Referral"
    if source in EMAIL or medium in EMAIL:
        return "Email"
    if medium == "affiliate":
        return "Affiliates"
    if medium == "audio":
        return "Audio"
    if source == "sms" or medium == "sms":
        return "SMS"
    if medium.endswith("push") or "mobile" in medium or "notification" in medium:
        return "Mobile Push Notifications"
    return "Unassigned"

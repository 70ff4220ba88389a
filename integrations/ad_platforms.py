"""Pure request builders for the ad platforms' conversion uploads (SPEC "Google Ads, connected", "Microsoft
Advertising", "Meta Conversions API"). No ORM, no clock, no I/O: each function takes plain values and returns the
exact URL, headers and JSON body the platform documents, so tests can compare them field by field.

Documentation each builder follows:
- Google Ads API, ConversionUploadService.UploadClickConversions (REST `customers/{customer_id}:uploadClickConversions`):
  developers.google.com/google-ads/api/docs/conversions/upload-clicks and
  developers.google.com/google-ads/api/reference/rpc/<version>/UploadClickConversionsRequest (partial_failure must be true)
  and ClickConversion (gclid | gbraid | wbraid, conversion_action, conversion_date_time "yyyy-mm-dd hh:mm:ss+|-hh:mm",
  conversion_value, currency_code). REST JSON uses the proto's lowerCamelCase names.
- Microsoft Advertising Campaign Management v13, ApplyOfflineConversions (REST `OfflineConversions/Apply`) with
  OfflineConversion (MicrosoftClickId, ConversionName, ConversionTime in UTC, ConversionValue, ConversionCurrencyCode):
  learn.microsoft.com/en-us/advertising/campaign-management-service/offlineconversion?view=bingads-13.
- Meta Conversions API `POST /{pixel_id}/events`: developers.facebook.com/docs/marketing-api/conversions-api/parameters
  (server event: event_name, event_time in Unix seconds, action_source "phone_call", event_id), customer information
  parameters (ph: SHA-256 of digits only with the country code, no symbols or leading zeros) and fbp-and-fbc
  (fbc = "fb.1.<creation time in ms>.<fbclid>", the fbclid unmodified).
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

GOOGLE = "google_ads"
MICROSOFT = "microsoft_ads"
META = "meta"

GOOGLE_ADS_API = "https://googleads.googleapis.com"
GOOGLE_TOKEN_URL = "https://oauth2.googleapis.com/token"
GOOGLE_REVOKE_URL = "https://oauth2.googleapis.com/revoke"
GOOGLE_AUTH_URL = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_ADS_SCOPE = "https://www.googleapis.com/auth/adwords"
MICROSOFT_AUTH_URL = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
MICROSOFT_TOKEN_URL = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
MICROSOFT_ADS_SCOPE = "https://ads.microsoft.com/msads.manage offline_access"
MICROSOFT_APPLY_URL = "https://campaign.api.bingads.microsoft.com/CampaignManagement/v13/OfflineConversions/Apply"
META_GRAPH = "https://graph.facebook.com"

# Retries after a try that got no answer, 429 or 5xx (about 1 min, 5 min, 30 min, 2 h, 5 h); anything else is final.
AD_RETRY_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600)
AD_MAX_ATTEMPTS = 1 + len(AD_RETRY_SECONDS)
# Google keeps clicks importable for 90 days; Meta takes events up to 7 days old.
GOOGLE_CLICK_MAX_AGE = timedelta(days=90)
MICROSOFT_CLICK_MAX_AGE = timedelta(days=90)
META_EVENT_MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class AdRequest:
    url: str
    headers: dict
    body: dict


# --- Google Ads -------------------------------------------------------------------------------------------------

def google_customer_id(value: str) -> str:
    """Google shows customer ids as 123-456-7890; the API takes the 10 digits."""
    return re.sub(r"\D", "", value or "")


def google_conversion_date_time(when: datetime, zone: str) -> str:
    """ClickConversion.conversion_date_time: "yyyy-mm-dd hh:mm:ss+|-hh:mm" in the given zone."""
    local = when.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")  # +hhmm / -hhmm
    return local.strftime("%Y-%m-%d %H:%M:%S") + f"{offset[:3]}:{offset[3:]}"


def google_click_id(*, gclid: str, gbraid: str, wbraid: str) -> tuple[str, str] | None:
    """The one click id to send ("gclid", value): gclid wins, then gbraid, then wbraid (the three are exclusive)."""
    for field, value in (("gclid", gclid), ("gbraid", gbraid), ("wbraid", wbraid)):
        if value:
            return field, value
    return None


def google_upload_click_conversion(*, api_version: str, customer_id: str, login_customer_id: str, developer_token: str,
                                   access_token: str, conversion_action: str, click: tuple[str, str],
                                   converted_at: datetime, zone: str, value: Decimal, currency: str) -> AdRequest:
    customer = google_customer_id(customer_id)
    headers = {"Authorization": f"Bearer {access_token}", "developer-token": developer_token,
               "Content-Type": "application/json"}
    if login_customer_id:
        headers["login-customer-id"] = google_customer_id(login_customer_id)
    conversion: dict = {
        click[0]: click[1],
        "conversionAction": conversion_action,
        "conversionDateTime": google_conversion_date_time(converted_at, zone),
        "conversionValue": float(value),
        "currencyCode": currency,
    }
    return AdRequest(url=f"{GOOGLE_ADS_API}/{api_version}/customers/{customer}:uploadClickConversions",
                     headers=headers, body={"conversions": [conversion], "partialFailure": True})


def google_partial_failure_errors(response_json: dict) -> list[str]:
    """The messages of an UploadClickConversionsResponse's partialFailureError (a google.rpc.Status whose details
    hold GoogleAdsFailure objects), e.g. "conversionUploadError CLICK_NOT_FOUND: The click wasn't found…"."""
    status = (response_json or {}).get("partialFailureError") or {}
    if not status:
        return []
    messages = []
    for detail in status.get("details") or []:
        for error in detail.get("errors") or []:
            codes = " ".join(f"{kind} {code}" for kind, code in (error.get("errorCode") or {}).items())
            text = error.get("message", "")
            messages.append(f"{codes}: {text}" if codes else text)
    return messages or [status.get("message") or "Google Ads reported a partial failure."]


# Since 2026-06-15 the Google Ads API takes offline click conversions only from developer tokens that uploaded some
# between December 2025 and May 2026; the others get this error (Data Manager API is Google's primary API for them).
NOT_ALLOWLISTED = "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE"
NOT_ALLOWLISTED_HELP = ("Google Ads takes API click conversions only from developer tokens that already uploaded some "
                        "before June 2026; use the CSV or scheduled import on the integrations page instead.")


def google_explained(messages: list[str]) -> list[str]:
    """Google's messages, with what to do added where Google's own words don't say it."""
    return [f"{text} {NOT_ALLOWLISTED_HELP}" if NOT_ALLOWLISTED in text else text for text in messages]


def google_error_message(response_json: dict) -> str:
    """The message of a whole-request error ({"error": {"message", "details": [GoogleAdsFailure]}})."""
    error = (response_json or {}).get("error") or {}
    inner = google_partial_failure_errors({"partialFailureError": error}) if error.get("details") else []
    return "; ".join(inner) if inner else str(error.get("message") or "")


# --- OAuth 2 (authorization code with offline access): Google Ads and Microsoft Advertising ----------------------

@dataclass(frozen=True)
class OAuthPlatform:
    """How one platform's OAuth 2 authorization-code flow is spelled:
    - Google (developers.google.com/identity/protocols/oauth2/web-server): `access_type=offline` + `prompt=consent`
      make the code exchange return a refresh token; a token is revoked at oauth2.googleapis.com/revoke.
    - Microsoft identity platform as Microsoft Advertising documents it (learn.microsoft.com/advertising/guides/
      authentication-oauth-consent and …-get-tokens): the `common` tenant, `response_mode=query`, the scope
      msads.manage + offline_access, which also goes with every token request; no revocation endpoint."""

    platform: str
    label: str
    authorize_url: str
    token_url: str
    scope: str
    authorize_params: tuple[tuple[str, str], ...] = ()
    scope_on_token_requests: bool = False
    revoke_url: str = ""


OAUTH_PLATFORMS = {
    GOOGLE: OAuthPlatform(GOOGLE, "Google Ads", GOOGLE_AUTH_URL, GOOGLE_TOKEN_URL, GOOGLE_ADS_SCOPE,
                          (("access_type", "offline"), ("prompt", "consent"), ("include_granted_scopes", "true")),
                          revoke_url=GOOGLE_REVOKE_URL),
    MICROSOFT: OAuthPlatform(MICROSOFT, "Microsoft Advertising", MICROSOFT_AUTH_URL, MICROSOFT_TOKEN_URL,
                             MICROSOFT_ADS_SCOPE, (("response_mode", "query"),), scope_on_token_requests=True),
}


def oauth_authorization_url(oauth: OAuthPlatform, *, client_id: str, redirect_uri: str, state: str) -> str:
    """Where the admin consents: the platform's authorize endpoint with the code flow's parameters."""
    query = {"client_id": client_id, "response_type": "code", "redirect_uri": redirect_uri, "scope": oauth.scope,
             **dict(oauth.authorize_params), "state": state}
    return f"{oauth.authorize_url}?{urlencode(query)}"


def oauth_token_form(oauth: OAuthPlatform, *, client_id: str, client_secret: str, code: str = "",
                     redirect_uri: str = "", refresh_token: str = "") -> dict:
    """The form posted to the token endpoint: redeem `code` (authorization_code grant) or, without one, refresh
    `refresh_token`. The client secret goes only when there is one (Microsoft allows public clients)."""
    if code:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    else:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    form["client_id"] = client_id
    if client_secret:
        form["client_secret"] = client_secret
    if oauth.scope_on_token_requests:
        form["scope"] = oauth.scope
    return form


# --- Microsoft Advertising --------------------------------------------------------------------------------------

def microsoft_conversion_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def microsoft_apply_offline_conversion(*, developer_token: str, access_token: str, customer_id: str,
                                       account_id: str, conversion_name: str, msclkid: str, converted_at: datetime,
                                       value: Decimal, currency: str) -> AdRequest:
    headers = {"Authorization": f"Bearer {access_token}", "DeveloperToken": developer_token,
               "CustomerId": customer_id, "CustomerAccountId": account_id, "Content-Type": "application/json"}
    conversion = {
        "ConversionCurrencyCode": currency,
        "ConversionName": conversion_name,
        "ConversionTime": microsoft_conversion_time(converted_at),
        "ConversionValue": float(value),
        "MicrosoftClickId": msclkid,
    }
    return AdRequest(url=MICROSOFT_APPLY_URL, headers=headers, body={"OfflineConversions": [conversion]})


def microsoft_partial_errors(response_json: dict) -> list[str]:
    errors = (response_json or {}).get("PartialErrors") or []
    return [f"{e.get('ErrorCode') or e.get('Code')}: {e.get('Message', '')}" for e in errors if e]


# --- Meta Conversions API ---------------------------------------------------------------------------------------

def meta_normalized_phone(number: str) -> str:
    """Meta's rule for `ph`: digits only (no +, spaces, dashes or letters), with the country code, no leading zeros."""
    return re.sub(r"\D", "", number or "").lstrip("0")


def meta_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def meta_fbc(*, fbclid: str, clicked_at: datetime) -> str:
    """fbc = fb.<subdomain index 1>.<creation time in ms>.<fbclid, unmodified>."""
    return f"fb.1.{int(clicked_at.timestamp() * 1000)}.{fbclid}"


def meta_event(*, api_version: str, pixel_id: str, access_token: str, event_name: str, event_id: str,
               occurred_at: datetime, caller_number: str, fbclid: str, clicked_at: datetime | None,
               value: Decimal, currency: str) -> AdRequest:
    user_data: dict = {}
    phone = meta_normalized_phone(caller_number)
    if phone:
        user_data["ph"] = [meta_hash(phone)]
    if fbclid and clicked_at is not None:
        user_data["fbc"] = meta_fbc(fbclid=fbclid, clicked_at=clicked_at)
    event = {
        "event_name": event_name,
        "event_time": int(occurred_at.timestamp()),
        "event_id": event_id,
        "action_source": "phone_call",
        "user_data": user_data,
        "custom_data": {"value": float(value), "currency": currency},
    }
    return AdRequest(url=f"{META_GRAPH}/{api_version}/{pixel_id}/events",
                     headers={"Content-Type": "application/json"},
                     body={"data": [event], "access_token": access_token})


def meta_error_message(response_json: dict) -> str:
    error = (response_json or {}).get("error") or {}
    parts = [str(error.get(key)) for key in ("type", "code") if error.get(key) is not None]
    return f"{' '.join(parts)}: {error.get('error_user_msg') or error.get('message', '')}".strip(": ")


# --- Retry --------------------------------------------------------------------------------------------------------

def plan_ad_retry(*, attempts: int, status_code: int | None) -> int | None:
    """Seconds until the next try, or None (final). Only silence, 429 and 5xx are worth another try."""
    retryable = status_code is None or status_code == 429 or status_code >= 500
    if not retryable or attempts >= AD_MAX_ATTEMPTS:
        return None
    return AD_RETRY_SECONDS[attempts - 1]


# --- click_view (keyword of an auto-tagged click) -----------------------------------------------------------------

NOT_SET = "(not set)"


def google_click_view_search(*, api_version: str, customer_id: str, login_customer_id: str, developer_token: str,
                             access_token: str, day: str, page_token: str = "") -> AdRequest:
    """GoogleAdsService.Search over click_view for one day (the resource only answers with a single-day
    `segments.date` filter, and only for the last 90 days)."""
    customer = google_customer_id(customer_id)
    headers = {"Authorization": f"Bearer {access_token}", "developer-token": developer_token,
               "Content-Type": "application/json"}
    if login_customer_id:
        headers["login-customer-id"] = google_customer_id(login_customer_id)
    query = ("SELECT click_view.gclid, click_view.keyword_info.text, click_view.keyword_info.match_type, "
             f"ad_group.name, campaign.name FROM click_view WHERE segments.date = '{day}'")
    body: dict = {"query": query}
    if page_token:
        body["pageToken"] = page_token
    return AdRequest(url=f"{GOOGLE_ADS_API}/{api_version}/customers/{customer}/googleAds:search", headers=headers,
                     body=body)


def google_click_view_keywords(response_json: dict) -> dict[str, dict]:
    """gclid → {"keyword", "match_type", "ad_group", "campaign"} for rows that have a keyword (Performance Max and
    display clicks have none)."""
    found = {}
    for row in (response_json or {}).get("results") or []:
        click = row.get("clickView") or {}
        keyword = (click.get("keywordInfo") or {}).get("text", "")
        if click.get("gclid") and keyword:
            found[click["gclid"]] = {"keyword": keyword, "match_type": (click.get("keywordInfo") or {}).get("matchType", ""),
                                     "ad_group": (row.get("adGroup") or {}).get("name", ""),
                                     "campaign": (row.get("campaign") or {}).get("name", "")}
    return found


# --- What a connection's fields must look like ---------------------------------------------------------------------

GOOGLE_CONVERSION_ACTION = re.compile(r"^customers/\d{10}/conversionActions/\d+$")
META_EVENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_ ]{0,49}$")


def connection_problems(*, platform: str, customer_id: str, manager_id: str, conversion: str) -> dict[str, str]:
    """{field: problem} for values the platform would refuse; empty values are allowed (not configured yet)."""
    problems = {}
    if platform == GOOGLE:
        for field, value in (("customer_id", customer_id), ("manager_id", manager_id)):
            if value and len(google_customer_id(value)) != 10:
                problems[field] = "A Google Ads customer id has 10 digits, like 123-456-7890."
        if conversion and not GOOGLE_CONVERSION_ACTION.match(conversion):
            problems["conversion"] = ("Use the conversion action's resource name, customers/<10 digits>/conversionActions/<id> "
                                      "(Goals → Conversions → the action: its id is ctId= in the page's URL).")
    elif platform == MICROSOFT:
        for field, value in (("customer_id", customer_id), ("manager_id", manager_id)):
            if value and not value.isdigit():
                problems[field] = "Microsoft Advertising ids are digits only."
        if conversion and len(conversion) > 100:
            problems["conversion"] = "An offline conversion goal's name has at most 100 characters."
    elif platform == META:
        if customer_id and not customer_id.isdigit():
            problems["customer_id"] = "A pixel (dataset) id is digits only."
        if conversion and not META_EVENT_NAME.match(conversion):
            problems["conversion"] = "Use a standard event name such as Lead or Purchase (letters, digits, spaces, _)."
    return problems


def google_list_accessible_customers(*, api_version: str, developer_token: str, access_token: str) -> AdRequest:
    """CustomerService.ListAccessibleCustomers: the customers the signed-in user can reach directly (GET, no body)."""
    return AdRequest(url=f"{GOOGLE_ADS_API}/{api_version}/customers:listAccessibleCustomers",
                     headers={"Authorization": f"Bearer {access_token}", "developer-token": developer_token}, body={})


def google_conversion_actions_search(*, api_version: str, customer_id: str, login_customer_id: str,
                                     developer_token: str, access_token: str) -> AdRequest:
    """The customer's enabled conversion actions that take uploaded clicks (type UPLOAD_CLICKS)."""
    request = google_click_view_search(api_version=api_version, customer_id=customer_id,
                                       login_customer_id=login_customer_id, developer_token=developer_token,
                                       access_token=access_token, day="")
    query = ("SELECT conversion_action.resource_name, conversion_action.name FROM conversion_action "
             "WHERE conversion_action.type = 'UPLOAD_CLICKS' AND conversion_action.status = 'ENABLED'")
    return AdRequest(url=request.url, headers=request.headers, body={"query": query})

"""Writes for the ad platforms: conversion uploads (outbox rows + their sends) and connections.

The rows are written in the call's transaction (receivers.on_call_event, the same hook as GA4); the worker is woken
after commit and `outbox_send_due` sends what a lost wake-up left behind. HTTP never runs inside a transaction.
"""

import logging
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account
from accounts.services import audit_record
from attribution.models import Visit
from calls.models import Call
from core.error_codes import AD_PLATFORM_OAUTH_FAILED, INVALID
from core.errors import DomainError
from core.queue import wake_on_commit
from integrations import ad_platforms as ap
from integrations.models import AdConversionUpload, AdPlatform, AdPlatformConnection
from integrations.services import _queue_later
from integrations.signals import integration_failing
from reports.services import rollup_refresh_days

logger = logging.getLogger(__name__)

CLAIM = timedelta(minutes=5)


def _click_ids(call) -> dict:
    visit = call.visit
    return {
        "gclid": (visit.gclid if visit else "") or call.gclid,
        "gbraid": visit.gbraid if visit else "",
        "wbraid": visit.wbraid if visit else "",
        "msclkid": visit.msclkid if visit else "",
        "fbclid": visit.fbclid if visit else "",
        "clicked_at": visit.started_at.isoformat() if visit else None,
    }


def plan_upload_payload(*, platform: str, call, now: datetime) -> dict | None:
    """The secret-free inputs of one platform's upload of this call, or None when the call can't go there (no click
    id of that platform, or too old for it)."""
    ids = _click_ids(call)
    common = {"converted_at": call.started_at.isoformat(), "value": str(call.conversion_value),
              "currency": call.account.currency}
    if platform == AdPlatform.GOOGLE_ADS:
        click = ap.google_click_id(gclid=ids["gclid"], gbraid=ids["gbraid"], wbraid=ids["wbraid"])
        if click is None or now - call.started_at > ap.GOOGLE_CLICK_MAX_AGE:
            return None
        return {**common, "click": list(click), "zone": call.account.timezone}
    if platform == AdPlatform.MICROSOFT_ADS:
        if not ids["msclkid"] or now - call.started_at > ap.MICROSOFT_CLICK_MAX_AGE:
            return None
        return {**common, "msclkid": ids["msclkid"]}
    if platform == AdPlatform.META:
        if not (ids["fbclid"] or call.caller_number) or now - call.started_at > ap.META_EVENT_MAX_AGE:
            return None
        return {**common, "caller_number": call.caller_number, "fbclid": ids["fbclid"],
                "clicked_at": ids["clicked_at"], "event_id": f"callpool-call-{call.pk}"}
    return None


def ad_conversions_enqueue(*, call, now: datetime | None = None) -> list[AdConversionUpload]:
    """One outbox row per connected ad platform for a final, converting, non-spam call — once per call and platform
    (the unique constraint makes "once" hold across repeated completions and outcome changes)."""
    now = now or timezone.now()
    if not call.is_conversion or call.spam or not call.is_final:
        return []
    created_rows = []
    for connection in AdPlatformConnection.objects.filter(account_id=call.account_id, is_enabled=True):
        if not connection.is_ready:
            continue
        payload = plan_upload_payload(platform=connection.platform, call=call, now=now)
        if payload is None:
            continue
        upload, created = AdConversionUpload.objects.get_or_create(
            call=call, platform=connection.platform,
            defaults={"account_id": call.account_id, "payload": payload, "next_attempt_at": now},
        )
        if created:
            wake_on_commit("integrations.tasks.send_ad_conversion", upload.pk)
            created_rows.append(upload)
    return created_rows


# --- Access tokens ------------------------------------------------------------------------------------------------

class AdPlatformError(Exception):
    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.message, self.status_code = message, status_code


def _post_form(url: str, data: dict) -> requests.Response:
    try:
        return requests.post(url, data=data, timeout=settings.AD_PLATFORMS_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise AdPlatformError(f"No answer from {url.split('/')[2]} ({type(exc).__name__}).") from None


def oauth_client(platform: str) -> tuple[str, str]:
    """The operator's OAuth client (id, secret) registered with `platform` (settings)."""
    if platform == AdPlatform.GOOGLE_ADS:
        return settings.GOOGLE_ADS_CLIENT_ID, settings.GOOGLE_ADS_CLIENT_SECRET
    return settings.MICROSOFT_ADS_CLIENT_ID, settings.MICROSOFT_ADS_CLIENT_SECRET


def oauth_is_configured(platform: str) -> bool:
    """Whether the operator set what connecting `platform` needs: the OAuth client and the developer token (Google's
    client is confidential: it needs its secret too)."""
    client_id, client_secret = oauth_client(platform)
    if platform == AdPlatform.GOOGLE_ADS:
        return bool(client_id and client_secret and settings.GOOGLE_ADS_DEVELOPER_TOKEN)
    return bool(client_id and settings.MICROSOFT_ADS_DEVELOPER_TOKEN)


def _token_request(platform: str, **grant) -> dict:
    """POST the token endpoint of `platform`; its JSON answer (an error answer raises AdPlatformError)."""
    oauth = ap.OAUTH_PLATFORMS[platform]
    client_id, client_secret = oauth_client(platform)
    response = _post_form(oauth.token_url, ap.oauth_token_form(oauth, client_id=client_id, client_secret=client_secret,
                                                               **grant))
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code != 200 or not isinstance(data, dict) or not data.get("access_token"):
        data = data if isinstance(data, dict) else {}
        reason = data.get("error_description") or data.get("error") or f"HTTP {response.status_code}"
        raise AdPlatformError(str(reason), response.status_code)
    return data


def connection_access_token(connection: AdPlatformConnection) -> str:
    """A fresh access token from the connection's stored refresh token (refresh_token grant). Microsoft may answer
    with a new refresh token: it replaces the stored one (encrypted), so the connection does not age out."""
    try:
        data = _token_request(connection.platform, refresh_token=connection.get_token())
    except AdPlatformError as exc:
        if exc.status_code is None:
            raise  # no answer: worth another try
        # invalid_grant: the refresh token was revoked or expired — the account must connect again.
        who = "Google" if connection.platform == AdPlatform.GOOGLE_ADS else "Microsoft"
        raise AdPlatformError(f"{who} refused the stored token ({exc.message}); connect again.", exc.status_code) from None
    rotated = data.get("refresh_token")
    if rotated and rotated != connection.get_token() and connection.pk:
        connection.set_token(rotated)
        AdPlatformConnection.objects.filter(pk=connection.pk).update(token=connection.token)
    return data["access_token"]


# --- Sending ------------------------------------------------------------------------------------------------------

def build_request(*, connection: AdPlatformConnection, payload: dict) -> ap.AdRequest:
    """The platform's request for a stored payload, with credentials fetched now (raises AdPlatformError)."""
    value = ap.Decimal(payload["value"])
    converted_at = datetime.fromisoformat(payload["converted_at"])
    if connection.platform == AdPlatform.GOOGLE_ADS:
        return ap.google_upload_click_conversion(
            api_version=settings.GOOGLE_ADS_API_VERSION, customer_id=connection.customer_id,
            login_customer_id=connection.manager_id, developer_token=settings.GOOGLE_ADS_DEVELOPER_TOKEN,
            access_token=connection_access_token(connection), conversion_action=connection.conversion,
            click=(payload["click"][0], payload["click"][1]), converted_at=converted_at, zone=payload["zone"],
            value=value, currency=payload["currency"])
    if connection.platform == AdPlatform.MICROSOFT_ADS:
        return ap.microsoft_apply_offline_conversion(
            developer_token=settings.MICROSOFT_ADS_DEVELOPER_TOKEN,
            access_token=connection_access_token(connection), customer_id=connection.manager_id,
            account_id=connection.customer_id, conversion_name=connection.conversion, msclkid=payload["msclkid"],
            converted_at=converted_at, value=value, currency=payload["currency"])
    clicked_at = datetime.fromisoformat(payload["clicked_at"]) if payload.get("clicked_at") else None
    return ap.meta_event(
        api_version=settings.META_GRAPH_API_VERSION, pixel_id=connection.customer_id,
        access_token=connection.get_token(), event_name=connection.conversion, event_id=payload["event_id"],
        occurred_at=converted_at, caller_number=payload["caller_number"], fbclid=payload["fbclid"],
        clicked_at=clicked_at, value=value, currency=payload["currency"])


def _answer_errors(platform: str, response: requests.Response) -> list[str]:
    """What the platform said went wrong ([] = accepted)."""
    try:
        data = response.json()
    except ValueError:
        data = {}
    if platform == AdPlatform.GOOGLE_ADS:
        if 200 <= response.status_code < 300:
            return ap.google_explained(ap.google_partial_failure_errors(data))
        return ap.google_explained([ap.google_error_message(data) or f"Google Ads answered HTTP {response.status_code}."])
    if platform == AdPlatform.MICROSOFT_ADS:
        if 200 <= response.status_code < 300:
            return ap.microsoft_partial_errors(data)
        errors = [f"{e.get('ErrorCode') or e.get('Code')}: {e.get('Message', '')}"
                  for e in (data.get("OperationErrors") or data.get("BatchErrors") or []) if isinstance(e, dict)]
        return errors or [f"Microsoft Advertising answered HTTP {response.status_code}."]
    if 200 <= response.status_code < 300:
        return []
    return [ap.meta_error_message(data) or f"Meta answered HTTP {response.status_code}."]


def _claim(pk: int, now: datetime) -> bool:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return AdConversionUpload.objects.filter(due, pk=pk, status="pending").update(next_attempt_at=now + CLAIM) == 1


def ad_conversion_send(*, upload_id: int, now: datetime | None = None) -> AdConversionUpload | None:
    """Send one pending upload once; record the platform's answer on the row (shown per call) and the connection."""
    upload = AdConversionUpload.objects.filter(pk=upload_id).first()
    if upload is None or upload.status != AdConversionUpload.Status.PENDING:
        return upload
    now = now or timezone.now()
    if not _claim(upload.pk, now):
        return upload  # not due yet, or another worker (or the sweeper) holds it
    connection = AdPlatformConnection.objects.filter(account_id=upload.account_id, platform=upload.platform).first()
    upload.attempts += 1
    upload.next_attempt_at = None
    status_code: int | None = None
    errors: list[str] = []
    if connection is None or not connection.is_ready:
        errors = ["The ad platform was disconnected before the upload was sent."]
        status_code = 0
    else:
        try:
            request = build_request(connection=connection, payload=upload.payload)
            response = requests.post(request.url, json=request.body, headers=request.headers,
                                     timeout=settings.AD_PLATFORMS_TIMEOUT_SECONDS)
        except AdPlatformError as exc:
            errors, status_code = [exc.message], exc.status_code
        except requests.RequestException as exc:
            errors = [f"No answer ({type(exc).__name__})."]
        else:
            status_code = response.status_code
            errors = _answer_errors(upload.platform, response)
    upload.response_status = status_code or None
    if not errors:
        upload.status, upload.sent_at, upload.error = AdConversionUpload.Status.SENT, now, ""
    else:
        delay = ap.plan_ad_retry(attempts=upload.attempts, status_code=status_code) if status_code != 0 else None
        upload.error = " | ".join(errors)[:1000]
        if delay is None:
            upload.status = AdConversionUpload.Status.FAILED
        else:
            upload.next_attempt_at = now + timedelta(seconds=delay)
            upload.error = f"{upload.error[:900]} (retrying in {delay} s)"
            _queue_later("integrations.tasks.send_ad_conversion", upload.pk, run_at=upload.next_attempt_at,
                         name=f"ad upload {upload.pk} try {upload.attempts + 1}")
    with transaction.atomic():
        upload.save(update_fields=["attempts", "next_attempt_at", "response_status", "status", "sent_at", "error"])
        if connection is not None:
            result = "Sent" if not errors else upload.error
            fields = {"last_result": f"call {upload.call_id}: {result}"[:500], "last_result_at": now}
            if not errors:
                fields["last_success_at"] = now
            AdPlatformConnection.objects.filter(pk=connection.pk).update(**fields)
        if upload.status == AdConversionUpload.Status.FAILED:
            # The account's admins hear of it (notifications): one alert per platform and day, however many fail.
            label = AdPlatform(upload.platform).label
            integration_failing.send(
                sender=AdConversionUpload, account_id=upload.account_id,
                key=f"ads:{upload.platform}:{now.date().isoformat()}",
                title=f"{label} is not taking conversions",
                detail=f"Call {upload.call_id}: {upload.error} See the integrations page.",
            )
    return upload


# --- Connections --------------------------------------------------------------------------------------------------

def ad_connection_save(*, account: Account, platform: str, token: str | None = None, customer_id: str | None = None,
                       manager_id: str | None = None, conversion: str | None = None, is_enabled: bool | None = None,
                       actor=None) -> AdPlatformConnection:
    """Create or change an account's connection to one platform; a given token is stored encrypted, never shown."""
    if platform not in AdPlatform.values:
        raise DomainError(INVALID, "Unknown ad platform.", {"platform": ["Unknown ad platform."]})
    problems = ap.connection_problems(platform=platform, customer_id=(customer_id or "").strip(),
                                      manager_id=(manager_id or "").strip(), conversion=(conversion or "").strip())
    if problems:
        raise DomainError(INVALID, " ".join(problems.values()), {field: [text] for field, text in problems.items()})
    with transaction.atomic():
        connection, created = AdPlatformConnection.objects.select_for_update().get_or_create(account=account, platform=platform)
        changes: dict = {}
        for field, value in (("customer_id", customer_id), ("manager_id", manager_id), ("conversion", conversion),
                             ("is_enabled", is_enabled)):
            if value is not None and getattr(connection, field) != value:
                changes[field] = [getattr(connection, field), value]
                setattr(connection, field, value.strip() if isinstance(value, str) else value)
        if token:
            connection.set_token(token.strip())
            changes["token"] = ["…", "(new, encrypted)"]
        connection.save()
        audit_record(account=account, actor=actor, action="ad_platform.connected" if created else "ad_platform.changed",
                     target=connection, changes=changes)
    return connection


def ad_connection_disconnect(*, connection: AdPlatformConnection, actor=None) -> None:
    """Forget the connection. A platform that can revoke a refresh token is asked to first (Google:
    oauth2.googleapis.com/revoke), so it stops working even if a copy of the database leaks; Microsoft's identity
    platform has no such call (the user removes the app's consent in their Microsoft account)."""
    revoke_url = ap.OAUTH_PLATFORMS[connection.platform].revoke_url if connection.platform in ap.OAUTH_PLATFORMS else ""
    if revoke_url and connection.token:
        try:
            requests.post(revoke_url, data={"token": connection.get_token()},
                          headers={"Content-Type": "application/x-www-form-urlencoded"},
                          timeout=settings.AD_PLATFORMS_TIMEOUT_SECONDS)
        except requests.RequestException:
            logger.warning("Revoking the %s token of account %s got no answer", connection.platform, connection.account_id)
    with transaction.atomic():
        audit_record(account=connection.account, actor=actor, action="ad_platform.disconnected", target=connection,
                     changes={"platform": [connection.platform, None]})
        connection.delete()


def oauth_state() -> str:
    return secrets.token_urlsafe(24)


def oauth_exchange_code(*, platform: str, code: str, redirect_uri: str) -> str:
    """The refresh token for an authorization code (authorization_code grant). Google returns one for
    access_type=offline + prompt=consent, Microsoft for the offline_access scope."""
    label = ap.OAUTH_PLATFORMS[platform].label
    try:
        data = _token_request(platform, code=code, redirect_uri=redirect_uri)
    except AdPlatformError as exc:
        raise DomainError(AD_PLATFORM_OAUTH_FAILED, f"{label} did not grant offline access ({exc.message}).") from None
    if not data.get("refresh_token"):
        raise DomainError(AD_PLATFORM_OAUTH_FAILED, f"{label} did not grant offline access (no refresh token).")
    return data["refresh_token"]


# --- Keyword backfill from click_view -----------------------------------------------------------------------------

BACKFILL_DAYS = 3


def google_ads_keyword_backfill(*, connection: AdPlatformConnection, now: datetime | None = None,
                                days: int = BACKFILL_DAYS) -> int:
    """Fill the keyword (term) of the last days' visits that came from an auto-tagged Google Ads click without one
    (no tracking template: utm_term empty or "(not set)"), and of their calls, from click_view. Returns how many
    visits got a keyword. The day boundaries are the account's zone (Google's are the Ads account's; the same in
    the usual setup)."""
    now = now or timezone.now()
    zone = ZoneInfo(connection.account.timezone)
    missing = Q(term="") | Q(term=ap.NOT_SET)
    filled, filled_days = 0, []
    access_token = None
    try:
        for back in range(1, days + 1):
            day = (now.astimezone(zone) - timedelta(days=back)).date()
            start = datetime.combine(day, datetime.min.time(), tzinfo=zone)
            visits = Visit.objects.filter(missing, website__account=connection.account, started_at__gte=start,
                                          started_at__lt=start + timedelta(days=1)).exclude(gclid="")
            wanted = dict(visits.values_list("gclid", "pk"))
            if not wanted:
                continue
            access_token = access_token or connection_access_token(connection)
            keywords = _click_view_keywords(connection, access_token=access_token, day=day.isoformat(), wanted=wanted)
            with transaction.atomic():
                filled_today = 0
                for gclid, info in keywords.items():
                    term = info["keyword"][:200]
                    filled_today += Visit.objects.filter(missing, pk=wanted[gclid]).update(term=term)
                    Call.objects.filter(missing, visit_id=wanted[gclid]).update(term=term)
            if filled_today:
                filled += filled_today
                filled_days.append(day)
    finally:
        # The keyword report of those days was rolled up with "(not set)": roll them again (also when a later day
        # failed, for the days already filled).
        rollup_refresh_days(account=connection.account, days=filled_days)
    return filled


def _click_view_keywords(connection: AdPlatformConnection, *, access_token: str, day: str, wanted: dict) -> dict[str, dict]:
    """gclid → keyword info for the `wanted` gclids among `day`'s clicks (click_view, every page)."""
    keywords: dict[str, dict] = {}
    page_token = ""
    while True:
        request = ap.google_click_view_search(
            api_version=settings.GOOGLE_ADS_API_VERSION, customer_id=connection.customer_id,
            login_customer_id=connection.manager_id, developer_token=settings.GOOGLE_ADS_DEVELOPER_TOKEN,
            access_token=access_token, day=day, page_token=page_token)
        data = _google_call("post", request)
        keywords.update({g: k for g, k in ap.google_click_view_keywords(data).items() if g in wanted})
        page_token = data.get("nextPageToken", "")
        if not page_token:
            return keywords


def google_ads_keyword_backfill_all(*, now: datetime | None = None) -> int:
    """The daily task: every ready Google Ads connection; one account's failure is recorded and never stops the rest."""
    total = 0
    for connection in AdPlatformConnection.objects.filter(platform=AdPlatform.GOOGLE_ADS, is_enabled=True).select_related("account"):
        if not connection.is_ready:
            continue
        try:
            total += google_ads_keyword_backfill(connection=connection, now=now)
        except AdPlatformError as exc:
            AdPlatformConnection.objects.filter(pk=connection.pk).update(
                last_result=f"keyword backfill: {exc.message}"[:500], last_result_at=timezone.now())
    return total


def google_ads_choices(*, connection: AdPlatformConnection) -> dict:
    """What the admin can choose from: {"customers": ["1234567890", …], "conversion_actions": [(resource, name), …]}
    (the actions of the chosen customer, when one is chosen). Raises AdPlatformError."""
    access_token = connection_access_token(connection)
    version, developer_token = settings.GOOGLE_ADS_API_VERSION, settings.GOOGLE_ADS_DEVELOPER_TOKEN
    listing = ap.google_list_accessible_customers(api_version=version, developer_token=developer_token,
                                                  access_token=access_token)
    data = _google_call("get", listing)
    customers = [name.split("/", 1)[1] for name in data.get("resourceNames") or [] if name.startswith("customers/")]
    actions: list[tuple[str, str]] = []
    if connection.customer_id:
        search = ap.google_conversion_actions_search(
            api_version=version, customer_id=connection.customer_id, login_customer_id=connection.manager_id,
            developer_token=developer_token, access_token=access_token)
        for row in _google_call("post", search).get("results") or []:
            action = row.get("conversionAction") or {}
            if action.get("resourceName"):
                actions.append((action["resourceName"], action.get("name", "")))
    return {"customers": customers, "conversion_actions": actions}


def _google_call(method: str, request: ap.AdRequest) -> dict:
    try:
        if method == "get":
            response = requests.get(request.url, headers=request.headers, timeout=settings.AD_PLATFORMS_TIMEOUT_SECONDS)
        else:
            response = requests.post(request.url, json=request.body, headers=request.headers,
                                     timeout=settings.AD_PLATFORMS_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        raise AdPlatformError(f"No answer from Google Ads ({type(exc).__name__}).") from None
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code != 200:
        raise AdPlatformError(ap.google_error_message(data) or f"Google Ads answered HTTP {response.status_code}.",
                              response.status_code)
    return data

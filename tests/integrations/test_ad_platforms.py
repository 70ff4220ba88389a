"""Conversion uploads to Google Ads, Microsoft Advertising and Meta: each request built field by field as the
platform documents it (with the docs' example values where they give some), sent once per converting call and
platform, retried on silence / 429 / 5xx, errors kept per call."""

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs

import pytest
import responses
from django.db import IntegrityError, transaction
from django.utils import timezone

from calls.models import Call
from calls.signals import call_event
from integrations import ad_platforms as ap
from integrations.ad_services import ad_connection_save, ad_conversion_send
from integrations.models import AdConversionUpload, AdPlatformConnection
from integrations.services import outbox_send_due
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory

pytestmark = pytest.mark.django_db

GOOGLE_UPLOAD = "https://googleads.googleapis.com/v26/customers/1234567890:uploadClickConversions"
META_EVENTS = "https://graph.facebook.com/v26.0/987654321/events"


# --- Pure builders, against the documentation's examples -------------------------------------------------------

def test_google_conversion_date_time_is_the_documented_format_with_the_zone_offset():
    # ClickConversion.conversion_date_time: "yyyy-mm-dd hh:mm:ss+|-hh:mm", e.g. "2019-01-01 12:32:45-08:00".
    when = datetime(2019, 1, 1, 20, 32, 45, tzinfo=UTC)
    assert ap.google_conversion_date_time(when, "America/Los_Angeles") == "2019-01-01 12:32:45-08:00"
    assert ap.google_conversion_date_time(when, "Asia/Kolkata") == "2019-01-02 02:02:45+05:30"
    assert ap.google_conversion_date_time(when, "UTC") == "2019-01-01 20:32:45+00:00"


def test_google_click_id_is_one_of_gclid_gbraid_wbraid():
    assert ap.google_click_id(gclid="G", gbraid="B", wbraid="W") == ("gclid", "G")
    assert ap.google_click_id(gclid="", gbraid="B", wbraid="W") == ("gbraid", "B")
    assert ap.google_click_id(gclid="", gbraid="", wbraid="W") == ("wbraid", "W")
    assert ap.google_click_id(gclid="", gbraid="", wbraid="") is None


def test_meta_phone_hash_matches_the_documented_example():
    # Meta's Conversions API example payload hashes the phone 12345678901 (digits only, country code, no +) to this.
    assert ap.meta_normalized_phone("+1 (234) 567-8901") == "12345678901"
    assert ap.meta_hash(ap.meta_normalized_phone("+1 (234) 567-8901")) == (
        "254aa248acb47dd654ca3ea53f48c2c26d641d23d7e2e93a1ec56258df7674c4")
    assert ap.meta_normalized_phone("0044 20 7946 0000") == "442079460000"  # leading zeros go


def test_meta_fbc_matches_the_documented_example():
    clicked_at = datetime.fromtimestamp(1554763741205 / 1000, tz=UTC)
    assert ap.meta_fbc(fbclid="AbCdEfGhIjKlMnOpQrStUvWxYz1234567890", clicked_at=clicked_at) == (
        "fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890")


def test_google_partial_failure_errors_are_read_per_conversion():
    body = {"partialFailureError": {"code": 3, "message": "The click wasn't found, at conversions[0].gclid",
                                    "details": [{"@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
                                                 "errors": [{"errorCode": {"conversionUploadError": "CLICK_NOT_FOUND"},
                                                             "message": "The click wasn't found.",
                                                             "location": {"fieldPathElements": [{"fieldName": "conversions", "index": 0}]}}]}]},
            "results": [{}]}
    assert ap.google_partial_failure_errors(body) == ["conversionUploadError CLICK_NOT_FOUND: The click wasn't found."]
    assert ap.google_partial_failure_errors({"results": [{"gclid": "x"}]}) == []


@pytest.mark.parametrize(("attempts", "status", "delay"), [
    (1, None, 60), (2, 503, 300), (3, 429, 1800), (6, 500, None), (1, 400, None), (1, 401, None), (1, 200, None),
])
def test_only_silence_429_and_5xx_are_retried(attempts, status, delay):
    assert ap.plan_ad_retry(attempts=attempts, status_code=status) == delay


# --- End to end: the call's event → outbox row → request --------------------------------------------------------

@pytest.fixture
def ads_settings(settings):
    settings.GOOGLE_ADS_CLIENT_ID = "client-id.apps.googleusercontent.com"
    settings.GOOGLE_ADS_CLIENT_SECRET = "client-secret"
    settings.GOOGLE_ADS_DEVELOPER_TOKEN = "dev-token-123"
    settings.MICROSOFT_ADS_CLIENT_ID = "ms-client"
    settings.MICROSOFT_ADS_CLIENT_SECRET = ""
    settings.MICROSOFT_ADS_DEVELOPER_TOKEN = "ms-dev-token"
    return settings


def _connect_google(account):
    return ad_connection_save(account=account, platform="google_ads", token="1//refresh-token",
                              customer_id="123-456-7890", manager_id="111-222-3333",
                              conversion="customers/1234567890/conversionActions/555")


def _converting_call(account, website, *, caller="+12345678901", **visit_fields):
    visit = VisitFactory(website=website, started_at=timezone.now() - timedelta(minutes=20), **visit_fields)
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    return CallFactory(tracker=tracker, visit=visit, caller_number=caller,
                       started_at=datetime(2026, 12, 1, 20, 32, 45, tzinfo=UTC),
                       is_conversion=True, conversion_value=Decimal("40.00"))


def _complete(call, capture):
    with capture(execute=True):
        call_event.send(sender=Call, call_id=call.pk, event="call.completed")


@responses.activate
def test_google_ads_upload_is_the_documented_request(ads_settings, account, website, django_capture_on_commit_callbacks):
    account.timezone, account.currency = "America/Los_Angeles", "USD"
    account.save()
    connection = _connect_google(account)
    assert "refresh-token" not in connection.token  # encrypted at rest
    token = responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29.access", "expires_in": 3599})
    upload = responses.post(GOOGLE_UPLOAD, json={"results": [{"gclid": "Cj0KEQ", "conversionAction": "x"}], "jobId": "1"})
    call = _converting_call(account, website, gclid="Cj0KEQ", gbraid="ignored-when-gclid")
    _complete(call, django_capture_on_commit_callbacks)

    assert parse_qs(token.calls[0].request.body) == {
        "grant_type": ["refresh_token"], "refresh_token": ["1//refresh-token"],
        "client_id": ["client-id.apps.googleusercontent.com"], "client_secret": ["client-secret"]}
    request = upload.calls[0].request
    assert request.headers["Authorization"] == "Bearer ya29.access"
    assert request.headers["developer-token"] == "dev-token-123"
    assert request.headers["login-customer-id"] == "1112223333"
    assert json.loads(request.body) == {
        "conversions": [{"gclid": "Cj0KEQ", "conversionAction": "customers/1234567890/conversionActions/555",
                         "conversionDateTime": "2026-12-01 12:32:45-08:00", "conversionValue": 40.0,
                         "currencyCode": "USD"}],
        "partialFailure": True,
    }
    row = AdConversionUpload.objects.get(call=call)
    assert (row.platform, row.status, row.attempts, row.error) == ("google_ads", "sent", 1, "")
    connection.refresh_from_db()
    assert connection.last_result == f"call {call.pk}: Sent" and connection.last_success_at is not None


@responses.activate
def test_gbraid_is_sent_when_there_is_no_gclid(ads_settings, account, website, django_capture_on_commit_callbacks):
    _connect_google(account)
    responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29.access"})
    upload = responses.post(GOOGLE_UPLOAD, json={"results": [{}]})
    _complete(_converting_call(account, website, gbraid="0AAAAA-braid", wbraid="w"), django_capture_on_commit_callbacks)
    [conversion] = json.loads(upload.calls[0].request.body)["conversions"]
    assert conversion["gbraid"] == "0AAAAA-braid" and "gclid" not in conversion and "wbraid" not in conversion


@responses.activate
def test_partial_failure_is_kept_on_the_call_and_not_retried(ads_settings, account, website,
                                                             django_capture_on_commit_callbacks):
    connection = _connect_google(account)
    responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29.access"})
    responses.post(GOOGLE_UPLOAD, json={"partialFailureError": {
        "code": 3, "message": "x", "details": [{"errors": [
            {"errorCode": {"conversionUploadError": "TOO_RECENT_CONVERSION_ACTION"},
             "message": "The conversion action specified in the upload request cannot be found or is too recent."}]}]},
        "results": [{}]})
    call = _converting_call(account, website, gclid="Cj0KEQ")
    _complete(call, django_capture_on_commit_callbacks)
    row = AdConversionUpload.objects.get(call=call)
    assert row.status == "failed" and row.next_attempt_at is None
    assert row.error.startswith("conversionUploadError TOO_RECENT_CONVERSION_ACTION: The conversion action")
    connection.refresh_from_db()
    assert "TOO_RECENT_CONVERSION_ACTION" in connection.last_result and connection.last_success_at is None


@responses.activate
def test_a_revoked_refresh_token_fails_with_a_reason(ads_settings, account, website, django_capture_on_commit_callbacks):
    _connect_google(account)
    responses.post(ap.GOOGLE_TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    call = _converting_call(account, website, gclid="Cj0KEQ")
    _complete(call, django_capture_on_commit_callbacks)
    row = AdConversionUpload.objects.get(call=call)
    assert row.status == "failed"
    assert row.error == "Google refused the stored token (Token has been expired or revoked.); connect again."


@responses.activate
def test_a_5xx_is_retried_later_and_sent_once(ads_settings, account, website, django_capture_on_commit_callbacks):
    _connect_google(account)
    responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29.access"})
    upload = responses.post(GOOGLE_UPLOAD, status=503, json={"error": {"code": 503, "message": "The service is currently unavailable."}})
    call = _converting_call(account, website, gclid="Cj0KEQ")
    _complete(call, django_capture_on_commit_callbacks)
    row = AdConversionUpload.objects.get(call=call)
    assert row.status == "pending" and row.attempts == 1 and "retrying in 60 s" in row.error
    # Not due yet: the sweeper leaves it alone.
    outbox_send_due(now=timezone.now() + timedelta(seconds=30))
    assert len(upload.calls) == 1
    responses.replace(responses.POST, GOOGLE_UPLOAD, json={"results": [{}]})
    outbox_send_due(now=row.next_attempt_at + timedelta(seconds=1))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == ("sent", 2, "")
    # Later completions / outcome changes never send it again.
    _complete(call, django_capture_on_commit_callbacks)
    call_event.send(sender=Call, call_id=call.pk, event="call.updated")
    assert AdConversionUpload.objects.filter(call=call).count() == 1
    assert len(responses.calls) == 4  # token, 503, token, 200
    assert ad_conversion_send(upload_id=row.pk).status == "sent" and len(responses.calls) == 4


def test_one_row_per_call_and_platform_is_a_database_rule(account, website):
    call = _converting_call(account, website, gclid="x")
    AdConversionUpload.objects.create(account=account, call=call, platform="meta")
    with pytest.raises(IntegrityError), transaction.atomic():
        AdConversionUpload.objects.create(account=account, call=call, platform="meta")


@responses.activate
def test_microsoft_offline_conversion_is_the_documented_request(ads_settings, account, website,
                                                                django_capture_on_commit_callbacks):
    account.currency = "EUR"
    account.save()
    ad_connection_save(account=account, platform="microsoft_ads", token="M.refresh", customer_id="149123456",
                       manager_id="251123456", conversion="Phone call")
    token = responses.post(ap.MICROSOFT_TOKEN_URL, json={"access_token": "EwB.access", "refresh_token": "M.new"})
    apply = responses.post(ap.MICROSOFT_APPLY_URL, json={"PartialErrors": []})
    call = _converting_call(account, website, msclkid="f5c3e3a1b2c44d3e9a0b1c2d3e4f5a6b")
    _complete(call, django_capture_on_commit_callbacks)

    assert parse_qs(token.calls[0].request.body) == {
        "grant_type": ["refresh_token"], "refresh_token": ["M.refresh"], "client_id": ["ms-client"],
        "scope": ["https://ads.microsoft.com/msads.manage offline_access"]}
    request = apply.calls[0].request
    assert request.url == "https://campaign.api.bingads.microsoft.com/CampaignManagement/v13/OfflineConversions/Apply"
    assert {key: request.headers[key] for key in ("Authorization", "DeveloperToken", "CustomerId", "CustomerAccountId")} == {
        "Authorization": "Bearer EwB.access", "DeveloperToken": "ms-dev-token", "CustomerId": "251123456",
        "CustomerAccountId": "149123456"}
    assert json.loads(request.body) == {"OfflineConversions": [{
        "ConversionCurrencyCode": "EUR", "ConversionName": "Phone call", "ConversionTime": "2026-12-01T20:32:45Z",
        "ConversionValue": 40.0, "MicrosoftClickId": "f5c3e3a1b2c44d3e9a0b1c2d3e4f5a6b"}]}
    assert AdConversionUpload.objects.get(call=call).status == "sent"
    # Microsoft answered with a new refresh token: it replaces the stored one, encrypted.
    stored = AdPlatformConnection.objects.get(account=account, platform="microsoft_ads")
    assert stored.get_token() == "M.new" and "M.new" not in stored.token


@responses.activate
def test_microsoft_partial_errors_are_kept_on_the_call(ads_settings, account, website, django_capture_on_commit_callbacks):
    ad_connection_save(account=account, platform="microsoft_ads", token="M.refresh", customer_id="1",
                       manager_id="2", conversion="Phone call")
    responses.post(ap.MICROSOFT_TOKEN_URL, json={"access_token": "EwB.access"})
    responses.post(ap.MICROSOFT_APPLY_URL, json={"PartialErrors": [
        {"Code": 3743, "ErrorCode": "OfflineConversionMicrosoftClickIdInvalid", "Message": "The click ID is invalid.", "Index": 0}]})
    call = _converting_call(account, website, msclkid="bad")
    _complete(call, django_capture_on_commit_callbacks)
    row = AdConversionUpload.objects.get(call=call)
    assert (row.status, row.error) == ("failed", "OfflineConversionMicrosoftClickIdInvalid: The click ID is invalid.")


@responses.activate
def test_meta_phone_call_event_is_the_documented_request(ads_settings, account, website,
                                                         django_capture_on_commit_callbacks):
    ad_connection_save(account=account, platform="meta", token="EAAB-access", customer_id="987654321",
                       conversion="Lead")
    events = responses.post(META_EVENTS, json={"events_received": 1, "messages": [], "fbtrace_id": "A1"})
    call = _converting_call(account, website, caller="+12345678901", fbclid="AbCdEfGhIjKlMnOpQrStUvWxYz1234567890")
    _complete(call, django_capture_on_commit_callbacks)
    body = json.loads(events.calls[0].request.body)
    clicked_ms = int(call.visit.started_at.timestamp() * 1000)
    assert body == {"access_token": "EAAB-access", "data": [{
        "event_name": "Lead", "event_time": int(call.started_at.timestamp()), "event_id": f"callpool-call-{call.pk}",
        "action_source": "phone_call",
        "user_data": {"ph": ["254aa248acb47dd654ca3ea53f48c2c26d641d23d7e2e93a1ec56258df7674c4"],
                      "fbc": f"fb.1.{clicked_ms}.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890"},
        "custom_data": {"value": 40.0, "currency": "USD"}}]}
    assert "access_token" not in events.calls[0].request.url  # never in a URL that gets logged
    assert AdConversionUpload.objects.get(call=call).status == "sent"


@responses.activate
def test_meta_error_is_kept_and_a_bad_token_is_not_retried(ads_settings, account, website,
                                                           django_capture_on_commit_callbacks):
    ad_connection_save(account=account, platform="meta", token="EAAB-old", customer_id="987654321", conversion="Lead")
    responses.post(META_EVENTS, status=400, json={"error": {"message": "Invalid OAuth access token.",
                                                            "type": "OAuthException", "code": 190, "fbtrace_id": "x"}})
    call = _converting_call(account, website, caller="+12345678901")
    _complete(call, django_capture_on_commit_callbacks)
    row = AdConversionUpload.objects.get(call=call)
    assert (row.status, row.response_status, row.error) == ("failed", 400, "OAuthException 190: Invalid OAuth access token.")


@responses.activate
def test_a_failed_upload_alerts_the_account_admins_once_a_day(ads_settings, account, website, account_admin,
                                                              django_capture_on_commit_callbacks):
    """Issue 26 item 6: ad platform failures reach the integration-failure alerts (notifications), once per day."""
    from notifications.models import Notification, NotificationPreference

    account_admin.email = "admin@example.com"
    account_admin.save()
    NotificationPreference.objects.create(account=account, user=account_admin)
    ad_connection_save(account=account, platform="meta", token="EAAB-old", customer_id="987654321", conversion="Lead")
    responses.post(META_EVENTS, status=400, json={"error": {"message": "Invalid OAuth access token.",
                                                            "type": "OAuthException", "code": 190, "fbtrace_id": "x"}})
    for caller in ("+12345678901", "+12345678902"):
        _complete(_converting_call(account, website, caller=caller), django_capture_on_commit_callbacks)
    alerts = list(Notification.objects.filter(account=account, kind="alert"))
    assert len(alerts) == 1 and alerts[0].target == "admin@example.com"
    assert alerts[0].payload["title"] == "Meta is not taking conversions"
    assert "Invalid OAuth access token" in alerts[0].payload["detail"]


@responses.activate
def test_each_connected_platform_gets_one_row_and_others_none(ads_settings, account, other_account, website,
                                                               django_capture_on_commit_callbacks):
    _connect_google(account)
    ad_connection_save(account=account, platform="meta", token="EAAB", customer_id="987654321", conversion="Lead")
    ad_connection_save(account=other_account, platform="microsoft_ads", token="M", customer_id="1", manager_id="2",
                       conversion="Phone call")
    responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29"})
    responses.post(GOOGLE_UPLOAD, json={"results": [{}]})
    responses.post(META_EVENTS, json={"events_received": 1})
    call = _converting_call(account, website, gclid="G", msclkid="M", fbclid="F")
    _complete(call, django_capture_on_commit_callbacks)
    assert sorted(AdConversionUpload.objects.filter(call=call).values_list("platform", "status")) == [
        ("google_ads", "sent"), ("meta", "sent")]


def test_no_rows_for_calls_that_are_no_conversion_spam_or_without_a_click(account, website):
    _connect_google(account)
    missed = _converting_call(account, website, gclid="G")
    Call.objects.filter(pk=missed.pk).update(is_conversion=False, conversion_value=0)
    spam = _converting_call(account, website, gclid="G")
    Call.objects.filter(pk=spam.pk).update(spam=True)
    no_click = _converting_call(account, website)
    for call in (missed, spam, no_click):
        call_event.send(sender=Call, call_id=call.pk, event="call.completed")
    assert not AdConversionUpload.objects.exists()


def test_a_disabled_or_half_configured_connection_uploads_nothing(account, website):
    ad_connection_save(account=account, platform="google_ads", token="1//r", customer_id="1234567890")  # no action
    ad_connection_save(account=account, platform="meta", token="EAAB", customer_id="9", conversion="Lead",
                       is_enabled=False)
    call = _converting_call(account, website, gclid="G", fbclid="F")
    call_event.send(sender=Call, call_id=call.pk, event="call.completed")
    assert not AdConversionUpload.objects.exists()
    assert AdPlatformConnection.objects.filter(account=account).count() == 2


@responses.activate
def test_a_developer_token_google_no_longer_takes_click_conversions_from_is_told_what_to_do(
        ads_settings, account, website, django_capture_on_commit_callbacks):
    # Google Ads API blog, 2026-05-15 "Changes to Offline Click Conversion Import Support": new adopters get
    # CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE from ConversionUploadService.UploadClickConversions.
    _connect_google(account)
    responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29.access"})
    responses.post(GOOGLE_UPLOAD, status=403, json={"error": {
        "code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED",
        "details": [{"@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
                     "errors": [{"errorCode": {"notAllowlistedError": "CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE"},
                                 "message": "Customer is not allowlisted for accessing this feature."}]}]}})
    call = _converting_call(account, website, gclid="Cj0KEQ")
    _complete(call, django_capture_on_commit_callbacks)

    upload = AdConversionUpload.objects.get(call=call)
    assert upload.status == "failed" and upload.attempts == 1  # final: retrying cannot help
    assert upload.error.startswith("notAllowlistedError CUSTOMER_NOT_ALLOWLISTED_FOR_THIS_FEATURE: Customer is not")
    assert "use the CSV or scheduled import" in upload.error

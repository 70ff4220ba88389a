"""Connecting ad platforms from the integrations page: Google Ads and Microsoft Advertising through OAuth 2 (offline
access, the refresh token encrypted; Google's revoked on disconnect), Meta with a token entered; account admins only;
results visible."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from integrations import ad_platforms as ap
from integrations.ad_services import ad_connection_save
from integrations.models import AdConversionUpload, AdPlatformConnection
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory

pytestmark = pytest.mark.django_db

OVERVIEW = "integrations_dashboard:overview"


@pytest.fixture
def google_settings(settings):
    settings.GOOGLE_ADS_CLIENT_ID = "client-id.apps.googleusercontent.com"
    settings.GOOGLE_ADS_CLIENT_SECRET = "client-secret"
    settings.GOOGLE_ADS_DEVELOPER_TOKEN = "dev-token"
    settings.PUBLIC_BASE_URL = "https://calls.example.com"
    return settings


def _start(client) -> str:
    response = client.post(reverse("integrations_dashboard:google-ads-connect"))
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == ap.GOOGLE_AUTH_URL
    query = {key: values[0] for key, values in parse_qs(url.query).items()}
    assert query["access_type"] == "offline" and query["prompt"] == "consent"
    assert query["scope"] == "https://www.googleapis.com/auth/adwords" and query["response_type"] == "code"
    assert query["client_id"] == "client-id.apps.googleusercontent.com"
    assert query["redirect_uri"] == "https://calls.example.com/dashboard/integrations/google-ads/callback"
    return query["state"]


@responses.activate
def test_admin_connects_google_ads_configures_and_disconnects(google_settings, admin_client_for_account, account):
    state = _start(admin_client_for_account)
    token = responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29", "refresh_token": "1//refresh", "expires_in": 3599})
    response = admin_client_for_account.get(reverse("integrations_dashboard:google-ads-callback"),
                                            {"state": state, "code": "4/0AX-code"})
    assert response.status_code == 302
    assert parse_qs(token.calls[0].request.body) == {
        "grant_type": ["authorization_code"], "code": ["4/0AX-code"],
        "redirect_uri": ["https://calls.example.com/dashboard/integrations/google-ads/callback"],
        "client_id": ["client-id.apps.googleusercontent.com"], "client_secret": ["client-secret"]}
    connection = AdPlatformConnection.objects.get(account=account, platform="google_ads")
    assert connection.get_token() == "1//refresh" and "1//refresh" not in connection.token
    assert not connection.is_ready  # customer and conversion action still to choose

    admin_client_for_account.post(reverse("integrations_dashboard:ad-connection-update", args=["google_ads"]), {
        "customer_id": "123-456-7890", "manager_id": "", "is_enabled": "on",
        "conversion": "customers/1234567890/conversionActions/555"})
    connection.refresh_from_db()
    assert connection.is_ready and connection.get_token() == "1//refresh"
    html = admin_client_for_account.get(reverse(OVERVIEW)).content.decode()
    assert "customers/1234567890/conversionActions/555" in html and "1//refresh" not in html

    revoke = responses.post(ap.GOOGLE_REVOKE_URL, status=200)
    admin_client_for_account.post(reverse("integrations_dashboard:ad-connection-disconnect", args=["google_ads"]))
    assert parse_qs(revoke.calls[0].request.body) == {"token": ["1//refresh"]}
    assert not AdPlatformConnection.objects.filter(account=account).exists()


@responses.activate
def test_a_callback_with_a_foreign_state_is_refused(google_settings, admin_client_for_account, account):
    _start(admin_client_for_account)
    response = admin_client_for_account.get(reverse("integrations_dashboard:google-ads-callback"),
                                            {"state": "forged", "code": "4/0AX-code"})
    assert response.status_code == 302 and not responses.calls
    assert not AdPlatformConnection.objects.exists()


@responses.activate
def test_google_refusing_the_code_connects_nothing(google_settings, admin_client_for_account):
    state = _start(admin_client_for_account)
    responses.post(ap.GOOGLE_TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "Bad Request"})
    response = admin_client_for_account.get(reverse("integrations_dashboard:google-ads-callback"),
                                            {"state": state, "code": "used"}, follow=True)
    assert "Google Ads did not grant offline access (Bad Request)." in response.content.decode()
    assert not AdPlatformConnection.objects.exists()


def test_meta_tokens_are_entered_and_stored_encrypted(admin_client_for_account, account):
    admin_client_for_account.post(reverse("integrations_dashboard:ad-connection-update", args=["meta"]), {
        "token": "EAABsecret", "customer_id": "987654321", "conversion": "Lead", "is_enabled": "on"})
    meta = AdPlatformConnection.objects.get(account=account, platform="meta")
    assert meta.is_ready and meta.get_token() == "EAABsecret" and "EAABsecret" not in meta.token
    # Saving again without a token keeps the stored one.
    admin_client_for_account.post(reverse("integrations_dashboard:ad-connection-update", args=["meta"]), {
        "token": "", "customer_id": "987654321", "conversion": "Purchase", "is_enabled": "on"})
    meta.refresh_from_db()
    assert meta.get_token() == "EAABsecret" and meta.conversion == "Purchase"
    html = admin_client_for_account.get(reverse(OVERVIEW)).content.decode()
    assert "EAABsecret" not in html and meta.token_hint in html


def test_marketers_see_results_but_cannot_connect(marketer_client, account, website, google_settings):
    ad_connection_save(account=account, platform="meta", token="EAAB", customer_id="9", conversion="Lead")
    call = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True),
                       started_at=timezone.now() - timedelta(minutes=3))
    AdConversionUpload.objects.create(account=account, call=call, platform="meta", status="failed", attempts=1,
                                      error="OAuthException 190: Invalid OAuth access token.")
    html = marketer_client.get(reverse(OVERVIEW)).content.decode()
    assert "Invalid OAuth access token." in html and "Connect Google Ads" not in html
    page = marketer_client.get(reverse("dashboard:call_detail", args=[call.pk])).content.decode()
    assert "Ad platform uploads" in page and "Invalid OAuth access token." in page
    for name, args in (("google-ads-connect", []), ("ad-connection-update", ["meta"]), ("ad-connection-disconnect", ["meta"])):
        assert marketer_client.post(reverse(f"integrations_dashboard:{name}", args=args)).status_code == 403
    assert AdPlatformConnection.objects.get(account=account, platform="meta").conversion == "Lead"


def test_connections_of_other_accounts_are_not_shown(admin_client_for_account, other_account):
    ad_connection_save(account=other_account, platform="meta", token="EAAB", customer_id="55555", conversion="BobLead")
    html = admin_client_for_account.get(reverse(OVERVIEW)).content.decode()
    assert "BobLead" not in html and "55555" not in html


@pytest.mark.parametrize(("platform", "fields", "problem"), [
    ("google_ads", {"customer_id": "12345"}, "A Google Ads customer id has 10 digits"),
    ("google_ads", {"customer_id": "1234567890", "conversion": "Phone call"}, "resource name, customers/"),
    ("meta", {"token": "EAAB", "customer_id": "pixel-1", "conversion": "Lead"}, "A pixel (dataset) id is digits only."),
    ("microsoft_ads", {"customer_id": "12a", "conversion": "x"}, "Microsoft Advertising ids are digits only."),
])
def test_values_the_platform_would_refuse_are_refused_at_save(admin_client_for_account, account, platform, fields, problem):
    if platform in ("google_ads", "microsoft_ads"):  # connected by signing in first
        ad_connection_save(account=account, platform=platform, token="1//r")
    response = admin_client_for_account.post(
        reverse("integrations_dashboard:ad-connection-update", args=[platform]), {**fields, "is_enabled": "on"}, follow=True)
    assert problem in response.content.decode()
    connection = AdPlatformConnection.objects.filter(account=account, platform=platform).first()
    assert connection is None or (connection.customer_id, connection.conversion) == ("", "")


@responses.activate
def test_customers_and_conversion_actions_are_offered_from_google(google_settings, admin_client_for_account, account):
    connection = ad_connection_save(account=account, platform="google_ads", token="1//refresh",
                                    customer_id="1234567890", manager_id="111-222-3333")
    responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29"})
    listing = responses.get("https://googleads.googleapis.com/v26/customers:listAccessibleCustomers",
                            json={"resourceNames": ["customers/1234567890", "customers/9876543210"]})
    search = responses.post("https://googleads.googleapis.com/v26/customers/1234567890/googleAds:search", json={
        "results": [{"conversionAction": {"resourceName": "customers/1234567890/conversionActions/555",
                                          "name": "Phone call (callpool)"}}]})
    response = admin_client_for_account.post(reverse("integrations_dashboard:google-ads-choices"), follow=True)
    html = response.content.decode()
    assert listing.calls[0].request.headers["developer-token"] == "dev-token"
    assert json.loads(search.calls[0].request.body) == {"query": (
        "SELECT conversion_action.resource_name, conversion_action.name FROM conversion_action "
        "WHERE conversion_action.type = 'UPLOAD_CLICKS' AND conversion_action.status = 'ENABLED'")}
    assert search.calls[0].request.headers["login-customer-id"] == "1112223333"
    assert '<option value="9876543210">' in html
    assert '<option value="customers/1234567890/conversionActions/555">Phone call (callpool)</option>' in html
    assert connection.get_token() == "1//refresh"


def test_the_page_shows_the_ad_platforms_once_and_a_plain_title(admin_client_for_account):
    body = admin_client_for_account.get(reverse(OVERVIEW)).content.decode()
    assert "<title>Integrations · callpool</title>" in body
    assert body.count('id="ad-platforms"') == 1 and body.count('id="ad-google_ads"') == 1


# --- Microsoft Advertising: the same OAuth flow, as Microsoft Advertising documents it ----------------------------
# learn.microsoft.com/advertising/guides/authentication-oauth-consent: GET
# https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=…&response_type=code&redirect_uri=…
# &response_mode=query&scope=…msads.manage…offline_access&state=…; …-get-tokens: POST …/common/oauth2/v2.0/token with
# client_id, scope, code, redirect_uri, grant_type=authorization_code (+ client_secret for a web app). The client id is
# the docs' example ("Tutorial Sample App").
MS_CLIENT = "6731de76-14a6-49ae-97bc-6eba6914391e"
MS_CALLBACK = "https://calls.example.com/dashboard/integrations/microsoft-ads/callback"


@pytest.fixture
def microsoft_settings(settings):
    settings.MICROSOFT_ADS_CLIENT_ID = MS_CLIENT
    settings.MICROSOFT_ADS_CLIENT_SECRET = "ms-web-app-secret"
    settings.MICROSOFT_ADS_DEVELOPER_TOKEN = "BBD37VB98"
    settings.PUBLIC_BASE_URL = "https://calls.example.com"
    return settings


def _start_microsoft(client) -> str:
    response = client.post(reverse("integrations_dashboard:microsoft-ads-connect"))
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
    query = parse_qs(url.query)
    assert {key: values[0] for key, values in query.items() if key != "state"} == {
        "client_id": MS_CLIENT, "response_type": "code", "redirect_uri": MS_CALLBACK, "response_mode": "query",
        "scope": "https://ads.microsoft.com/msads.manage offline_access"}
    return query["state"][0]


@responses.activate
def test_admin_connects_microsoft_advertising_with_oauth_and_disconnects(microsoft_settings, admin_client_for_account,
                                                                        account):
    html = admin_client_for_account.get(reverse(OVERVIEW)).content.decode()
    assert "Connect Microsoft Advertising" in html and 'id="microsoft_ads-token"' not in html  # no pasted token
    state = _start_microsoft(admin_client_for_account)
    token = responses.post(ap.MICROSOFT_TOKEN_URL, json={
        "token_type": "Bearer", "scope": "https://ads.microsoft.com/msads.manage", "expires_in": 3600,
        "ext_expires_in": 3600, "access_token": "EwBQA8l6BAAU", "refresh_token": "M.R3_BAY.refresh"})

    response = admin_client_for_account.get(reverse("integrations_dashboard:microsoft-ads-callback"),
                                            {"code": "M.R3_BAY.code", "state": state})

    assert response.status_code == 302
    assert parse_qs(token.calls[0].request.body) == {
        "grant_type": ["authorization_code"], "code": ["M.R3_BAY.code"], "redirect_uri": [MS_CALLBACK],
        "client_id": [MS_CLIENT], "client_secret": ["ms-web-app-secret"],
        "scope": ["https://ads.microsoft.com/msads.manage offline_access"]}
    connection = AdPlatformConnection.objects.get(account=account, platform="microsoft_ads")
    assert connection.get_token() == "M.R3_BAY.refresh" and "M.R3_BAY.refresh" not in connection.token
    assert not connection.is_ready

    admin_client_for_account.post(reverse("integrations_dashboard:ad-connection-update", args=["microsoft_ads"]), {
        "customer_id": "149123456", "manager_id": "251123456", "conversion": "Phone call", "is_enabled": "on",
        "token": "typed-token-is-ignored"})
    connection.refresh_from_db()
    assert connection.is_ready and connection.get_token() == "M.R3_BAY.refresh"
    assert "M.R3_BAY.refresh" not in admin_client_for_account.get(reverse(OVERVIEW)).content.decode()

    response = admin_client_for_account.post(
        reverse("integrations_dashboard:ad-connection-disconnect", args=["microsoft_ads"]), follow=True)
    assert len(responses.calls) == 1  # nothing to revoke at Microsoft: only forgotten
    assert "Microsoft has no call to revoke its token" in response.content.decode()
    assert not AdPlatformConnection.objects.filter(account=account).exists()


@responses.activate
def test_a_microsoft_callback_with_the_google_state_is_refused(google_settings, microsoft_settings,
                                                               admin_client_for_account):
    google_state = _start(admin_client_for_account)
    response = admin_client_for_account.get(reverse("integrations_dashboard:microsoft-ads-callback"),
                                            {"code": "M.code", "state": google_state}, follow=True)
    assert "That Microsoft Advertising sign-in was not started here" in response.content.decode()
    assert not responses.calls and not AdPlatformConnection.objects.exists()


@responses.activate
def test_microsoft_refusing_the_code_connects_nothing(microsoft_settings, admin_client_for_account):
    state = _start_microsoft(admin_client_for_account)
    responses.post(ap.MICROSOFT_TOKEN_URL, status=400, json={
        "error": "invalid_grant", "error_description": "AADSTS70000: The provided value for the 'code' parameter is not valid."})
    response = admin_client_for_account.get(reverse("integrations_dashboard:microsoft-ads-callback"),
                                            {"code": "used", "state": state}, follow=True)
    assert "Microsoft Advertising did not grant offline access (AADSTS70000" in response.content.decode()
    assert not AdPlatformConnection.objects.exists()


def test_microsoft_cannot_be_connected_before_the_operator_registers_the_app(admin_client_for_account, settings):
    settings.MICROSOFT_ADS_CLIENT_ID = ""
    html = admin_client_for_account.get(reverse(OVERVIEW)).content.decode()
    assert "The operator must set MICROSOFT_ADS_CLIENT_ID" in html
    response = admin_client_for_account.post(reverse("integrations_dashboard:microsoft-ads-connect"), follow=True)
    assert "Microsoft Advertising can&#x27;t be connected" in response.content.decode()

"""Dashboard pages for integrations, and the Google Ads scheduled-import feed."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.decorators import dashboard_page
from accounts.selectors import is_account_admin, website_list
from calls.selectors import conversion_rules_by_website
from core.actors import Actor
from core.csv_export import csv_download
from core.errors import DomainError
from integrations import ad_platforms, ad_services, selectors
from integrations.explain import GA4_SECRET_NOT_CHECKED, ga4_validation_explained
from integrations.google_ads import google_ads_csv
from integrations.models import AdPlatform, AdPlatformConnection
from integrations.services import ga4_validation_messages, webhook_replay, webhook_send_test


@require_GET
def google_ads_feed(request, token):
    """The URL Google Ads' scheduled upload fetches: the secret token in the path is the credential."""
    account = selectors.google_ads_account_for_token(token=token)
    if account is None:
        raise Http404("Unknown feed.")
    return csv_download("google-ads-conversions.csv", google_ads_csv(account=account, now=timezone.now()))


@dashboard_page()
def google_ads_download(request):
    return csv_download("google-ads-conversions.csv", google_ads_csv(account=request.account, now=timezone.now()))


@dashboard_page()
def integrations_overview(request):
    ads = selectors.google_ads_settings_get(account=request.account)
    feed_url = request.build_absolute_uri(reverse("integrations:google-ads-feed", args=[ads.feed_token]))
    return render(request, "integrations/integrations_overview.html", {
        "account": request.account,
        "endpoints": selectors.webhook_endpoint_list(account=request.account),
        "ga4_settings": selectors.ga4_settings_list(account=request.account),
        "ga4_deliveries": selectors.ga4_delivery_list(account=request.account)[:20],
        "ads": ads,
        "ads_feed_url": feed_url,
        **_conversion_rules_context(request.account),
        **ad_platforms_context(request.account, request.user, request.session),
    })


def _conversion_rules_context(account) -> dict:
    websites = list(website_list(account=account))
    rules = conversion_rules_by_website(account=account, websites=websites)
    return {"conversion_rules": [{"website": site, "rule": rules[site.pk]} for site in websites], "currency": account.currency}


@dashboard_page()
def webhook_endpoint_detail(request, pk):
    endpoint = get_object_or_404(selectors.webhook_endpoint_list(account=request.account), pk=pk)
    deliveries = selectors.webhook_delivery_list(account=request.account, endpoint=endpoint)[:100]
    return render(request, "integrations/webhook_endpoint_detail.html", {
        "account": request.account, "endpoint": endpoint, "deliveries": deliveries,
    })


@dashboard_page(write=True)
def webhook_delivery_replay(request, pk):
    delivery = get_object_or_404(selectors.webhook_delivery_list(account=request.account), pk=pk)
    try:
        webhook_replay(delivery=delivery)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Message {delivery.msg_id} queued for replay.")
    return redirect("integrations_dashboard:webhook-detail", pk=delivery.endpoint_id)


@dashboard_page(write=True)
def webhook_endpoint_test(request, pk):
    """Send the endpoint a test event now, so a receiver can be tried without waiting for a real call."""
    endpoint = get_object_or_404(selectors.webhook_endpoint_list(account=request.account), pk=pk)
    try:
        (delivery,) = webhook_send_test(endpoint=endpoint)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Test event {delivery.msg_id} sent; its result is at the top of the delivery log.")
    return redirect("integrations_dashboard:webhook-detail", pk=endpoint.pk)


@dashboard_page(write=True)
def ga4_test(request, pk):
    """Send GA4's validation server a sample event for this data stream and say what Google answered."""
    ga4 = get_object_or_404(selectors.ga4_settings_list(account=request.account), pk=pk)
    stream = f"{ga4.website.name} ({ga4.measurement_id})"
    try:
        problems = ga4_validation_explained(ga4_validation_messages(ga4=ga4))
    except DomainError as exc:
        messages.error(request, f"{stream}: {exc.message}")
    else:
        if problems:
            messages.error(request, f"{stream}: Google found problems with the test event. " + " ".join(problems))
        else:
            messages.success(request, f"{stream}: Google accepted the test event. {GA4_SECRET_NOT_CHECKED}")
    return redirect("integrations_dashboard:overview")


# Ad platforms: connect (OAuth for Google Ads and Microsoft Advertising), configure, disconnect (account admins),
# results on the overview and the call page.

# The URL names of each OAuth platform's connect and callback views (the callback URL is registered with the platform,
# so Google's keeps its path).
OAUTH_URL_SLUGS: dict[str, str] = {AdPlatform.GOOGLE_ADS: "google-ads", AdPlatform.MICROSOFT_ADS: "microsoft-ads"}
OAUTH_SETTINGS: dict[str, str] = {
    AdPlatform.GOOGLE_ADS: "GOOGLE_ADS_CLIENT_ID, GOOGLE_ADS_CLIENT_SECRET and GOOGLE_ADS_DEVELOPER_TOKEN",
    AdPlatform.MICROSOFT_ADS: "MICROSOFT_ADS_CLIENT_ID (and its secret, for a web app) and MICROSOFT_ADS_DEVELOPER_TOKEN",
}


def _oauth_session_key(platform: str) -> str:
    return f"{platform}_oauth_state"


def _oauth_redirect_uri(platform: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse(f"integrations_dashboard:{OAUTH_URL_SLUGS[platform]}-callback")


@dashboard_page(write=True, admins_only=True)
def oauth_connect(request, platform):
    """Start the platform's consent screen: offline access (a refresh token) for its ads API scope."""
    oauth = ad_platforms.OAUTH_PLATFORMS[platform]
    if not ad_services.oauth_is_configured(platform):
        messages.error(request, f"{oauth.label} can't be connected: the operator has not set {OAUTH_SETTINGS[platform]}.")
        return redirect("integrations_dashboard:overview")
    state = ad_services.oauth_state()
    request.session[_oauth_session_key(platform)] = {"state": state, "account": request.account.pk}
    client_id, _secret = ad_services.oauth_client(platform)
    return redirect(ad_platforms.oauth_authorization_url(oauth, client_id=client_id,
                                                         redirect_uri=_oauth_redirect_uri(platform), state=state))


@dashboard_page()
def oauth_callback(request, platform):
    """The platform sends the admin back here with a one-time code; exchange it for the refresh token and keep it
    encrypted. Only the sign-in this session started, for the account it started in, by one of its admins."""
    oauth = ad_platforms.OAUTH_PLATFORMS[platform]
    expected = request.session.pop(_oauth_session_key(platform), None)
    if (not expected or not request.GET.get("state") or expected.get("state") != request.GET["state"]
            or expected.get("account") != request.account.pk
            or not is_account_admin(user=request.user, account=request.account)):
        messages.error(request, f"That {oauth.label} sign-in was not started here (or has expired); connect again.")
        return redirect("integrations_dashboard:overview")
    if request.GET.get("error") or not request.GET.get("code"):
        messages.error(request, f"{oauth.label} was not connected ({request.GET.get('error', 'no code')}).")
        return redirect("integrations_dashboard:overview")
    try:
        refresh_token = ad_services.oauth_exchange_code(platform=platform, code=request.GET["code"],
                                                        redirect_uri=_oauth_redirect_uri(platform))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("integrations_dashboard:overview")
    ad_services.ad_connection_save(account=request.account, platform=platform, token=refresh_token,
                                   actor=Actor.person(request.user, via="dashboard"))
    messages.success(request, f"{oauth.label} connected. Now enter the ids and the conversion to upload to.")
    return redirect("integrations_dashboard:overview")


@dashboard_page(write=True, admins_only=True)
def ad_connection_update(request, platform):
    """Save a platform's ids and conversion (and, for Microsoft and Meta, a new token) from the overview's form."""
    if platform not in AdPlatform.values:
        raise Http404("Unknown ad platform.")
    data = request.POST
    is_oauth = platform in ad_platforms.OAUTH_PLATFORMS  # its token comes from the platform's sign-in, never typed
    token = None if is_oauth else data.get("token", "").strip()
    if is_oauth and not AdPlatformConnection.objects.filter(account=request.account, platform=platform).exists():
        messages.error(request, f"Connect {AdPlatform(platform).label} first.")
        return redirect("integrations_dashboard:overview")
    try:
        ad_services.ad_connection_save(
            account=request.account, platform=platform, token=token or None,
            customer_id=data.get("customer_id", "").strip(), manager_id=data.get("manager_id", "").strip(),
            conversion=data.get("conversion", "").strip(), is_enabled=data.get("is_enabled") == "on",
            actor=Actor.person(request.user, via="dashboard"))
    except DomainError as exc:
        messages.error(request, f"{AdPlatform(platform).label} settings were not saved: {exc.message}")
    else:
        messages.success(request, f"{AdPlatform(platform).label} settings saved.")
    return redirect("integrations_dashboard:overview")


@dashboard_page(write=True, admins_only=True)
def ad_connection_disconnect(request, platform):
    connection = get_object_or_404(AdPlatformConnection, account=request.account, platform=platform)
    ad_services.ad_connection_disconnect(connection=connection, actor=Actor.person(request.user, via="dashboard"))
    note = (" Microsoft has no call to revoke its token: remove callpool's access in the Microsoft account's app "
            "permissions if you no longer trust this installation." if platform == AdPlatform.MICROSOFT_ADS else "")
    messages.success(request, f"{AdPlatform(platform).label} disconnected.{note}")
    return redirect("integrations_dashboard:overview")


# What each platform calls the connection's fields (token, customer_id, manager_id, conversion); None = not used.
AD_FIELD_LABELS = {
    "google_ads": {"token": None, "customer_id": "Customer id (123-456-7890)",
                   "manager_id": "Manager account id (login-customer-id; only when signed in through a manager)",
                   "conversion": "Conversion action (customers/1234567890/conversionActions/987654321)"},
    "microsoft_ads": {"token": None, "customer_id": "Account id (CustomerAccountId)", "manager_id": "Customer id (CustomerId)",
                      "conversion": "Offline conversion goal name"},
    "meta": {"token": "Conversions API access token", "customer_id": "Pixel (dataset) id", "manager_id": None,
             "conversion": "Event name (Lead, Purchase, Contact…)"},
}


GOOGLE_CHOICES_SESSION_KEY = "google_ads_choices"


@dashboard_page(write=True, admins_only=True)
def google_ads_load_choices(request):
    """Ask Google which customers the connected user reaches and, once a customer is chosen, its conversion actions
    that take uploaded clicks; the form then offers them."""
    connection = get_object_or_404(AdPlatformConnection, account=request.account, platform="google_ads")
    try:
        choices = ad_services.google_ads_choices(connection=connection)
    except ad_services.AdPlatformError as exc:
        messages.error(request, f"Google Ads: {exc.message}")
    else:
        request.session[GOOGLE_CHOICES_SESSION_KEY] = {"account": request.account.pk, **choices}
        messages.success(request, f"Google Ads: {len(choices['customers'])} customers, "
                                  f"{len(choices['conversion_actions'])} conversion actions for uploaded clicks.")
    return redirect("integrations_dashboard:overview")


def ad_platforms_context(account, user, session=None) -> dict:
    connections = {c.platform: c for c in selectors.ad_connection_list(account=account)}
    choices = (session or {}).get(GOOGLE_CHOICES_SESSION_KEY) or {}
    return {
        "ad_platforms": [{"platform": value, "label": label, "connection": connections.get(value),
                          "fields": AD_FIELD_LABELS[value], **_oauth_row(value)} for value, label in AdPlatform.choices],
        "ad_uploads": selectors.ad_upload_list(account=account)[:20],
        "is_admin": is_account_admin(user=user, account=account),
        "google_choices": choices if choices.get("account") == account.pk else {},
    }


def _oauth_row(platform: str) -> dict:
    """How the overview offers an OAuth platform: its connect URL, or the settings the operator still has to set;
    whether disconnecting revokes the token."""
    if platform not in ad_platforms.OAUTH_PLATFORMS:
        return {"oauth": False}
    return {"oauth": True, "oauth_configured": ad_services.oauth_is_configured(platform),
            "connect_url": reverse(f"integrations_dashboard:{OAUTH_URL_SLUGS[platform]}-connect"),
            "oauth_settings": OAUTH_SETTINGS[platform],
            "revokes": bool(ad_platforms.OAUTH_PLATFORMS[platform].revoke_url)}

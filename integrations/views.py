"""Dashboard pages for integrations, and the Google Ads scheduled-import feed."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.decorators import dashboard_page
from accounts.selectors import website_list
from calls.selectors import conversion_rules_by_website
from core.csv_export import csv_download
from core.errors import DomainError
from integrations import selectors
from integrations.explain import GA4_SECRET_NOT_CHECKED, ga4_validation_explained
from integrations.google_ads import google_ads_csv
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

from django.db.models import Exists, QuerySet

from accounts.models import Account
from integrations.models import (
    AdConversionUpload,
    AdPlatform,
    AdPlatformConnection,
    GA4Delivery,
    GA4Settings,
    GoogleAdsSettings,
    WebhookDelivery,
    WebhookEndpoint,
)


def webhook_endpoint_list(*, account: Account) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(account=account).order_by("url", "id")


def account_has_webhook_endpoints(account_id_ref) -> Exists:
    """Whether the account (an id or an `OuterRef` to one) has an enabled webhook endpoint: the only thing this app
    writes for a ringing call's events (calls.signals.register_ring_listener)."""
    return Exists(WebhookEndpoint.objects.filter(account_id=account_id_ref, is_enabled=True))


def webhook_delivery_list(*, account: Account, endpoint: WebhookEndpoint | None = None) -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.filter(endpoint__account=account).select_related("endpoint")
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint=endpoint)
    return deliveries.order_by("-created_at", "-id")


def ga4_settings_list(*, account: Account) -> QuerySet[GA4Settings]:
    return GA4Settings.objects.filter(website__account=account).select_related("website").order_by("website__name")


def ga4_delivery_list(*, account: Account) -> QuerySet[GA4Delivery]:
    return GA4Delivery.objects.filter(account=account).select_related("website").order_by("-created_at", "-id")


def google_ads_settings_get(*, account: Account) -> GoogleAdsSettings:
    settings_row, _ = GoogleAdsSettings.objects.get_or_create(account=account)
    return settings_row


def google_ads_account_for_token(*, token: str) -> Account | None:
    row = GoogleAdsSettings.objects.select_related("account").filter(feed_token=token).first()
    return row.account if row else None


def ad_connection_list(*, account: Account) -> list[AdPlatformConnection]:
    return list(AdPlatformConnection.objects.filter(account=account).order_by("platform"))


def ad_upload_list(*, account: Account, call=None) -> QuerySet[AdConversionUpload]:
    uploads = AdConversionUpload.objects.filter(account=account)
    if call is not None:
        uploads = uploads.filter(call=call)
    return uploads.order_by("-created_at", "-id")


def _iso(when) -> str | None:
    return when.isoformat().replace("+00:00", "Z") if when else None


def integration_status_list(*, account: Account) -> list[dict]:
    """What `GET /api/v1/integrations/` lists: each ad platform (connected or not), each GA4 data stream and each
    webhook endpoint, with its last result."""
    rows = []
    connections = {c.platform: c for c in ad_connection_list(account=account)}
    for platform, label in AdPlatform.choices:
        connection = connections.get(platform)
        rows.append({
            "integration": platform, "name": label, "connected": connection is not None,
            "enabled": bool(connection and connection.is_ready),
            "last_result": connection.last_result if connection else "",
            "last_result_at": _iso(connection.last_result_at) if connection else None,
            "last_success_at": _iso(connection.last_success_at) if connection else None,
        })
    for ga4 in ga4_settings_list(account=account):
        last = GA4Delivery.objects.filter(website=ga4.website).exclude(status="pending").order_by("-created_at", "-id").first()
        last_sent = GA4Delivery.objects.filter(website=ga4.website, status="sent").order_by("-sent_at").first()
        rows.append({
            "integration": "ga4", "name": f"GA4 {ga4.measurement_id} ({ga4.website.name})", "connected": True,
            "enabled": ga4.is_enabled,
            "last_result": f"call {last.call_id}: {last.status}{': ' + last.reason if last.reason else ''}" if last else "",
            "last_result_at": _iso(last.sent_at or last.created_at) if last else None,
            "last_success_at": _iso(last_sent.sent_at) if last_sent else None,
        })
    for endpoint in webhook_endpoint_list(account=account):
        last_delivery = WebhookDelivery.objects.filter(endpoint=endpoint).exclude(status="pending").order_by("-created_at", "-id").first()
        last_ok = WebhookDelivery.objects.filter(endpoint=endpoint, status="succeeded").order_by("-succeeded_at").first()
        result = ""
        if last_delivery:
            result = f"{last_delivery.event_type} {last_delivery.msg_id}: {last_delivery.status}"
            if last_delivery.last_error:
                result += f": {last_delivery.last_error}"
        rows.append({
            "integration": "webhook", "name": endpoint.url, "connected": True, "enabled": endpoint.is_enabled,
            "last_result": result or endpoint.disabled_reason,
            "last_result_at": _iso(last_delivery.created_at) if last_delivery else None,
            "last_success_at": _iso(last_ok.succeeded_at) if last_ok else None,
        })
    return rows

from django.db.models import QuerySet

from accounts.models import Account
from integrations.models import (
    AdConversionUpload,
    AdPlatformConnection,
    GA4Delivery,
    GA4Settings,
    GoogleAdsSettings,
    WebhookDelivery,
    WebhookEndpoint,
)


def webhook_endpoint_list(*, account: Account) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(account=account).order_by("url", "id")


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

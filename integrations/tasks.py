"""django-q2 entry points: load by id, call a service."""

from integrations import ad_services, services


def deliver_webhook(delivery_id: int) -> None:
    services.webhook_deliver(delivery_id=delivery_id)


def replay_webhook(delivery_id: int) -> None:
    services.webhook_deliver(delivery_id=delivery_id, is_replay=True)


def send_ga4(delivery_id: int) -> None:
    services.ga4_send(delivery_id=delivery_id)


def send_due() -> int:
    return services.outbox_send_due()


def send_ad_conversion(upload_id: int) -> None:
    ad_services.ad_conversion_send(upload_id=upload_id)


def google_ads_keyword_backfill() -> int:
    return ad_services.google_ads_keyword_backfill_all()

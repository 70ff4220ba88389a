"""django-q2 entry points: load by id, call a service."""

from notifications import services


def send_notification(notification_id: int) -> None:
    services.notification_send(notification_id=notification_id)


def send_due() -> int:
    return services.notifications_send_due()


def queue_summaries() -> int:
    return services.summaries_queue()


def queue_scheduled_reports() -> int:
    return services.scheduled_reports_queue()

"""Writes of notifications: the outbox rows (in the transaction of what caused them), their sending (never inside a
transaction), preferences, scheduled reports and unsubscribing."""

import logging
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account
from accounts.services import audit_record
from calls.models import Call
from core.error_codes import INVALID
from core.errors import DomainError, full_clean_or_raise
from core.queue import wake_on_commit
from integrations.url_guard import guarded_session, webhook_url_problem
from notifications import emails, planner, selectors
from notifications.models import Notification, NotificationPreference, ScheduledReport
from reports.aggregates import DIMENSIONS

logger = logging.getLogger(__name__)

SEND_TASK = "notifications.tasks.send_notification"
CLAIM = timedelta(minutes=5)  # a worker sending a row holds it this long (as integrations' outbox does)
SWEEP_BUDGET_SECONDS = 30


def _queue(*, account_id: int, user, kind: str, channel: str, target: str, key: str, payload: dict) -> Notification | None:
    """Write one outbox row (the key makes it once-only) and wake the worker after commit."""
    notification, created = Notification.objects.get_or_create(
        key=key[:200], defaults={"account_id": account_id, "user": user, "kind": kind, "channel": channel,
                                 "target": target, "payload": payload, "next_attempt_at": timezone.now()},
    )
    if not created:
        return None
    wake_on_commit(SEND_TASK, notification.pk)
    return notification


# Calls


def call_notifications_record(*, call: Call, event: str) -> list[Notification]:
    """Inside the transaction that announced `event` for `call`: one message per person and channel who wants it."""
    facts = planner.CallFacts(result=call.result, is_first_time_caller=call.is_first_time_caller,
                              is_conversion=call.is_conversion, spam=call.spam)
    queued = []
    for preference in selectors.preference_list_for_calls(account=call.account):
        wants = planner.Wants(every_call=preference.every_call, missed=preference.missed,
                              first_time=preference.first_time, conversions=preference.conversions)
        reasons = planner.plan_call_reasons(wants=wants, call=facts, event=event)
        for channel, target in _channels(preference):
            stem = f"{call.pk}:{preference.user_id}:{channel}"
            if event == "call.converted" and _said_conversion(f"call:{stem}"):
                continue  # the completion message already said so
            if reasons:
                key = f"{'conversion' if event == 'call.converted' else 'call'}:{stem}"
                row = _queue(account_id=call.account_id, user=preference.user, kind=Notification.Kind.CALL,
                             channel=channel, target=target, key=key, payload={"call_id": call.pk, "reasons": reasons})
                queued += [row] if row else []
    return queued


def _said_conversion(key: str) -> bool:
    payload = Notification.objects.filter(key=key).values_list("payload", flat=True).first() or {}
    return "conversion" in payload.get("reasons", [])


def _channels(preference: NotificationPreference) -> list[tuple[str, str]]:
    channels: list[tuple[str, str]] = []
    if preference.by_email and preference.user.email:
        channels.append((Notification.Channel.EMAIL, preference.user.email))
    if preference.slack_url:
        channels.append((Notification.Channel.SLACK, preference.slack_url))
    return channels


def rule_notifications_record(*, rule_notification_id: int) -> list[Notification]:
    """An automation rule's `notify` action (an automation.RuleNotification row): one email per recipient — the
    account's members named by id (with an email address) and the addresses typed into the rule."""
    from automation.models import RuleNotification

    row = RuleNotification.objects.select_for_update().filter(pk=rule_notification_id,
                                                               status=RuleNotification.Status.PENDING).first()
    if row is None:
        return []
    user_ids = [r for r in row.recipients if isinstance(r, int)]
    members = {user.pk: user for user in get_user_model()._default_manager.filter(
        pk__in=user_ids, memberships__account_id=row.account_id).exclude(email="")}
    targets: list[tuple[object | None, str]] = [(members[pk], members[pk].email) for pk in user_ids if pk in members]
    targets += [(None, r) for r in row.recipients if isinstance(r, str) and "@" in r]
    queued = []
    for user, address in targets:
        queued_row = _queue(account_id=row.account_id, user=user, kind=Notification.Kind.CALL,
                            channel=Notification.Channel.EMAIL, target=address, key=f"rule:{row.pk}:{address.lower()}",
                            payload={"call_id": row.call_id, "reasons": ["rule"], "rule": row.rule_name})
        queued += [queued_row] if queued_row else []
    row.status = RuleNotification.Status.SENT  # handed to this outbox, which sends and retries
    row.save(update_fields=["status"])
    return queued


# Integration alerts


def integration_alert_record(*, account_id: int, key: str, title: str, detail: str) -> list[Notification]:
    """An integration keeps failing: tell the account's admins once per `key` (a disabled endpoint, a GA4 stream's day)."""
    account = Account.objects.get(pk=account_id)
    queued = []
    for user in selectors.admin_alert_recipients(account=account):
        row = _queue(account_id=account_id, user=user, kind=Notification.Kind.ALERT, channel=Notification.Channel.EMAIL,
                     target=user.email, key=f"alert:{key}:{user.pk}", payload={"title": title, "detail": detail})
        queued += [row] if row else []
    return queued


# Summaries and scheduled reports (the scheduler; the key makes each period once-only)


def summaries_queue(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    queued = 0
    for account in Account.objects.filter(notification_preferences__summary__in=["daily", "weekly"]).distinct():
        local_now = now.astimezone(ZoneInfo(account.timezone))
        for preference in selectors.preference_list_with_summary(account=account):
            period = planner.plan_summary_period(frequency=preference.summary, local_now=local_now)
            if period is None:
                continue
            start, end = period
            with transaction.atomic():
                queued += bool(_queue(
                    account_id=account.pk, user=preference.user, kind=Notification.Kind.SUMMARY,
                    channel=Notification.Channel.EMAIL, target=preference.user.email,
                    key=f"summary:{account.pk}:{preference.user_id}:{preference.summary}:{start}",
                    payload={"start": start.isoformat(), "end": end.isoformat(), "frequency": preference.summary},
                ))
    return queued


def scheduled_reports_queue(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    queued = 0
    for report in ScheduledReport.objects.select_related("account").order_by("id"):
        period = planner.plan_report_period(frequency=report.frequency,
                                            local_now=now.astimezone(ZoneInfo(report.account.timezone)))
        if period is None:
            continue
        start, end = period
        with transaction.atomic():
            for address in report.recipients:
                queued += bool(_queue(
                    account_id=report.account_id, user=None, kind=Notification.Kind.REPORT,
                    channel=Notification.Channel.EMAIL, target=address,
                    key=f"report:{report.pk}:{start}:{address.lower()}",
                    payload={"report_id": report.pk, "start": start.isoformat(), "end": end.isoformat()},
                ))
    return queued


# Sending


def _due(now: datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def _deliver(notification: Notification, context: dict) -> None:
    """Send one message; raises on failure."""
    if notification.channel == Notification.Channel.EMAIL:
        emails.email_message(notification, context).send(fail_silently=False)
        return
    problem = webhook_url_problem(notification.target)
    if problem:
        raise ValueError(f"Refused: {problem}")
    with guarded_session() as session:
        response = session.post(notification.target, json=emails.slack_message(notification, context),
                                timeout=settings.WEBHOOKS_TIMEOUT_SECONDS, allow_redirects=False)
    if not 200 <= response.status_code < 300:
        raise ValueError(f"The webhook answered HTTP {response.status_code}.")


def notification_send(*, notification_id: int, now: datetime | None = None) -> Notification | None:
    """Send one pending message once (a conditional update claims it), then record what happened."""
    now = now or timezone.now()
    claimed = Notification.objects.filter(_due(now), pk=notification_id, status=Notification.Status.PENDING).update(
        next_attempt_at=now + CLAIM) == 1
    notification = Notification.objects.select_related("account").filter(pk=notification_id).first()
    if not claimed or notification is None:
        return notification
    notification.attempts += 1
    try:
        with timezone.override(ZoneInfo(notification.account.timezone)):  # every time in it is the account's
            context = emails.message_context(notification)
            if context:
                _deliver(notification, context)
        if not context:
            notification.status, notification.last_error = Notification.Status.FAILED, "What it was about is gone."
        else:
            notification.status, notification.sent_at, notification.last_error = Notification.Status.SENT, now, ""
    except (OSError, ValueError, requests.RequestException) as exc:  # smtplib's errors are OSErrors
        delay = planner.plan_retry_seconds(attempts=notification.attempts)
        notification.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if delay is None:
            notification.status = Notification.Status.FAILED
        else:
            notification.next_attempt_at = now + timedelta(seconds=delay)
        logger.warning("Notification %s failed (try %s): %s", notification.pk, notification.attempts, notification.last_error)
    if notification.status != Notification.Status.PENDING:
        notification.next_attempt_at = None
    notification.save(update_fields=["attempts", "status", "sent_at", "last_error", "next_attempt_at"])
    return notification


def notifications_send_due(*, now: datetime | None = None, budget_seconds: float = SWEEP_BUDGET_SECONDS) -> int:
    """The sweeper: what a lost wake-up or a retry left pending and due, oldest first."""
    started = time.monotonic()
    cutoff = now or timezone.now()
    due = (Notification.objects.filter(_due(cutoff), status=Notification.Status.PENDING)
           .order_by("created_at", "id").values_list("id", flat=True))
    tried = 0
    for notification_id in due[:500]:
        if time.monotonic() - started > budget_seconds:
            break
        notification_send(notification_id=notification_id, now=now)
        tried += 1
    return tried


# Preferences, scheduled reports, unsubscribing

PREFERENCE_FIELDS = ("every_call", "missed", "first_time", "conversions", "by_email", "slack_url", "summary",
                     "integration_alerts")


def preference_update(*, account: Account, user, actor, **changes) -> NotificationPreference:
    unknown = set(changes) - set(PREFERENCE_FIELDS)
    if unknown:
        raise TypeError(f"preference_update got unexpected fields {sorted(unknown)}")
    if changes.get("slack_url"):
        problem = webhook_url_problem(changes["slack_url"])
        if problem:
            raise DomainError(INVALID, problem, {"slack_url": [problem]})
    with transaction.atomic():
        preference = selectors.preference_get(account=account, user=user)
        before = {field: getattr(preference, field) for field in changes}
        for field, value in changes.items():
            setattr(preference, field, value)
        full_clean_or_raise(preference)
        preference.save()
        diff = {field: [before[field], value] for field, value in changes.items() if before[field] != value}
        if diff:
            audit_record(account=account, actor=actor, action="notification_preference.updated", target=preference,
                         changes={k: ["…", "…"] if k == "slack_url" else v for k, v in diff.items()})
    return preference


def scheduled_report_create(*, account: Account, actor, name: str, dimension: str, frequency: str,
                            recipients: list[str], website=None) -> ScheduledReport:
    if dimension not in DIMENSIONS:
        raise DomainError(INVALID, "Unknown report.", {"dimension": ["Unknown report."]})
    if website is not None and website.account_id != account.pk:
        raise DomainError(INVALID, "That website is not in your account.", {"website": ["Unknown website."]})
    report = ScheduledReport(account=account, created_by=actor if getattr(actor, "pk", None) else None,
                             name=name.strip() or f"{DIMENSIONS[dimension].label} report", dimension=dimension,
                             website=website, frequency=frequency,
                             recipients=list(dict.fromkeys(address.strip().lower() for address in recipients if address.strip())))
    full_clean_or_raise(report)
    with transaction.atomic():
        report.save()
        audit_record(account=account, actor=actor, action="scheduled_report.created", target=report,
                     changes={"dimension": [None, dimension], "frequency": [None, frequency], "recipients": [None, report.recipients]})
    return report


def scheduled_report_delete(*, report: ScheduledReport, actor) -> None:
    with transaction.atomic():
        audit_record(account=report.account, actor=actor, action="scheduled_report.deleted", target=report,
                     changes={"name": [report.name, None]})
        report.delete()


UNSUBSCRIBE_FIELDS = {"call": ("by_email", False), "summary": ("summary", "off"), "alert": ("integration_alerts", False)}


def unsubscribe(*, token: str) -> str | None:
    """Apply a one-click unsubscribe; returns what stopped (for the confirmation page), None for a bad token."""
    data = emails.unsubscribe_read(token)
    if data is None:
        return None
    if "r" in data:
        with transaction.atomic():
            report = ScheduledReport.objects.select_for_update().filter(pk=data["r"]).first()
            if report is None or data["e"] not in report.recipients:
                return "this scheduled report"
            report.recipients = [address for address in report.recipients if address != data["e"]]
            if report.recipients:
                report.save(update_fields=["recipients"])
                audit_record(account=report.account, actor=None, action="scheduled_report.unsubscribed", target=report)
            else:
                scheduled_report_delete(report=report, actor=None)
        return f"the scheduled report “{report.name}”"
    account = Account.objects.filter(pk=data["a"]).first()
    field, off = UNSUBSCRIBE_FIELDS[data["k"]]
    if account is None:
        return None
    user = get_user_model()._default_manager.filter(pk=data["u"]).first() if data.get("u") else None
    if user is None:
        return None  # an address an automation rule names: the account's admin removes it from the rule
    preference_update(account=account, user=user, actor=user, **{field: off})
    return {"call": "call notifications by email", "summary": "summary emails", "alert": "integration alerts"}[data["k"]]

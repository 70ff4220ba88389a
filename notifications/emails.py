"""How a notification reads: the email (plain text + HTML, one-click unsubscribe headers) or the Slack message.

Rendered when sent, from the rows the notification points at, so a message says what is true then."""

import csv
import io
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from calls.models import Call
from calls.results import call_result
from core.phones import phone_display
from dashboard.csv_columns import report_csv_header, report_csv_rows
from notifications import selectors
from notifications.models import Notification, ScheduledReport

UNSUBSCRIBE_SALT = "notifications.unsubscribe"
REASON_LABELS = {"missed": "Missed call", "first_time": "First-time caller", "conversion": "Conversion",
                 "call": "Call", "rule": "Automation rule"}


def unsubscribe_token(notification: Notification) -> str:
    """A signed, login-free token saying what this recipient stops receiving (no expiry: old emails keep working)."""
    if notification.kind == Notification.Kind.REPORT:
        data = {"r": notification.payload["report_id"], "e": notification.target}
    else:
        data = {"a": notification.account_id, "u": notification.user_id, "k": notification.kind}
    return signing.dumps(data, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> dict | None:
    try:
        return signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None


def absolute(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{path}"


def _period_label(start: date, end: date) -> str:
    return f"{start:%b %-d, %Y}" if start == end else f"{start:%b %-d} – {end:%b %-d, %Y}"


def _call_context(notification: Notification) -> dict:
    call = (Call.objects.select_related("account", "pool").filter(account=notification.account_id,
                                                                   pk=notification.payload["call_id"]).first())
    if call is None:
        return {}
    reasons = [f"Rule “{notification.payload.get('rule', '')}”" if reason == "rule" else REASON_LABELS[reason]
               for reason in notification.payload.get("reasons", [])]
    caller = phone_display(call.caller_number) or "Unknown caller"
    return {
        "call": call, "caller": caller, "result": call_result(call).label, "reasons": reasons,
        "started_at": call.started_at.astimezone(ZoneInfo(call.account.timezone)),
        "source": " / ".join(part for part in (call.source, call.medium) if part) or "(direct)",
        "call_url": absolute(reverse("dashboard:call_detail", args=[call.pk])),
        "subject": f"{' · '.join(reasons)}: {caller} on {phone_display(call.tracking_number)}",
    }


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _summary_context(notification: Notification) -> dict:
    start, end = date.fromisoformat(notification.payload["start"]), date.fromisoformat(notification.payload["end"])
    data = selectors.summary_get(account=notification.account, start=start, end=end)
    label = _period_label(start, end)
    query = f"?range=custom&start={start}&end={end}"
    return {**data, "period": label, "dashboard_url": absolute(reverse("dashboard:overview") + query),
            "subject": f"{notification.account.name}: {_count(data['totals']['calls'], 'call')}, "
                       f"{_count(data['totals']['conversions'], 'conversion')} ({label})"}


def _alert_context(notification: Notification) -> dict:
    return {"title": notification.payload.get("title", ""), "detail": notification.payload.get("detail", ""),
            "integrations_url": absolute(reverse("integrations_dashboard:overview")),
            "subject": f"{notification.account.name}: {notification.payload.get('title', 'integration failing')}"}


def report_csv_text(*, report: ScheduledReport, data: dict) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(report_csv_header(data["dimension"]))
    writer.writerows(report_csv_rows(data["rows"]))
    return out.getvalue()


def _report_context(notification: Notification) -> dict:
    report = ScheduledReport.objects.filter(account=notification.account_id,
                                            pk=notification.payload["report_id"]).select_related("account", "website").first()
    if report is None:
        return {}
    start, end = date.fromisoformat(notification.payload["start"]), date.fromisoformat(notification.payload["end"])
    data = selectors.scheduled_report_data(report=report, start=start, end=end)
    label = _period_label(start, end)
    query = f"?range=custom&start={start}&end={end}" + (f"&website={report.website_id}" if report.website_id else "")
    return {"report": report, "period": label, "totals": data["totals"], "top_rows": data["rows"][:5],
            "dimension": data["dimension"], "currency": report.account.currency,
            "report_url": absolute(reverse("dashboard:report", args=[report.dimension]) + query),
            "csv": report_csv_text(report=report, data=data),
            "filename": f"report-{report.dimension}-{start}-{end}.csv",
            "subject": f"{report.name} ({label})"}


CONTEXTS = {"call": _call_context, "summary": _summary_context, "alert": _alert_context, "report": _report_context}


def message_context(notification: Notification) -> dict:
    """The template context of a notification ({}: what it points at is gone; nothing is sent)."""
    context = CONTEXTS[notification.kind](notification)
    if context:
        context["account"] = notification.account
        context["unsubscribe_url"] = absolute(reverse("notifications_public:unsubscribe", args=[unsubscribe_token(notification)]))
        context["settings_url"] = absolute(reverse("notifications:settings"))
    return context


def email_message(notification: Notification, context: dict) -> EmailMultiAlternatives:
    template = f"notifications/email/{notification.kind}"
    message = EmailMultiAlternatives(
        subject=context["subject"][:200], body=render_to_string(f"{template}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[notification.target],
        headers={
            # RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" to the URL, no login.
            "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(render_to_string(f"{template}.html", context), "text/html")
    if notification.kind == Notification.Kind.REPORT:
        message.attach(context["filename"], context["csv"], "text/csv")
    return message


def slack_message(notification: Notification, context: dict) -> dict:
    """A Slack-compatible incoming-webhook body (`text` works in Slack, Mattermost, Rocket.Chat, Teams' connectors)."""
    lines = [f"*{context['subject']}*"]
    if notification.kind == Notification.Kind.CALL:
        lines.append(f"{context['result']} · {context['source']} · {context['started_at']:%Y-%m-%d %H:%M} "
                     f"({notification.account.timezone})")
        lines.append(f"<{context['call_url']}|Open the call>")
    return {"text": "\n".join(lines)}

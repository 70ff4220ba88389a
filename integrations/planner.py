"""Pure decisions for integrations: retry timing and GA4 payloads. No ORM, no clock, no I/O."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

# SPEC "Outbound webhooks": after the first try, retries wait about these long.
WEBHOOK_RETRY_SECONDS = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 24 * 3600)
WEBHOOK_MAX_ATTEMPTS = 1 + len(WEBHOOK_RETRY_SECONDS)
# GA4 backdating stops at 72 h, so its retries must end well before that.
GA4_RETRY_SECONDS = (60, 5 * 60, 30 * 60, 2 * 3600)
GA4_MAX_ATTEMPTS = 1 + len(GA4_RETRY_SECONDS)
GA4_MAX_AGE = timedelta(hours=72)
GA4_MAX_EVENTS_PER_REQUEST = 25
GA4_MAX_NAME_LENGTH = 40
GA4_MAX_VALUE_LENGTH = 100
GA4_MAX_PARAMS = 25


@dataclass(frozen=True)
class WebhookOutcome:
    action: str  # succeeded | retry | give_up | disable
    delay_seconds: int = 0
    reason: str = ""


def parse_retry_after(value: str | None, now: datetime) -> int | None:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0, int((when - now).total_seconds()))


def plan_webhook_outcome(*, attempts: int, status_code: int | None, retry_after: str | None, now: datetime) -> WebhookOutcome:
    """What to do after try number `attempts` answered `status_code` (None: no response)."""
    if status_code is not None and 200 <= status_code < 300:
        return WebhookOutcome("succeeded")
    if status_code == 410:
        return WebhookOutcome("disable", reason="The endpoint answered 410 Gone.")
    if attempts >= WEBHOOK_MAX_ATTEMPTS:
        return WebhookOutcome("give_up", reason=f"No success after {attempts} attempts.")
    delay = WEBHOOK_RETRY_SECONDS[attempts - 1]
    asked = parse_retry_after(retry_after, now)
    if asked is not None and status_code in (429, 503):
        # Honour the receiver's wish, but never wait longer than the schedule's longest gap.
        delay = min(max(delay, asked), WEBHOOK_RETRY_SECONDS[-1])
    return WebhookOutcome("retry", delay_seconds=delay)


def plan_ga4_retry(*, attempts: int, got_response: bool, call_started_at: datetime, now: datetime) -> int | None:
    """Seconds until the next try, or None. GA answers 2xx even to bad payloads, so only silence is retried."""
    if got_response or attempts >= GA4_MAX_ATTEMPTS:
        return None
    delay = GA4_RETRY_SECONDS[attempts - 1]
    if now + timedelta(seconds=delay) - call_started_at >= GA4_MAX_AGE:
        return None
    return delay


def _clip_name(name: str) -> str:
    return name[:GA4_MAX_NAME_LENGTH]


def _clip_value(value):
    if isinstance(value, str):
        return value[:GA4_MAX_VALUE_LENGTH]
    return value


def plan_ga4_event(*, name: str, session_id: str, started_at: datetime, duration_seconds: int, params: dict) -> dict:
    """One Measurement Protocol event within GA4's limits (names ≤ 40, values ≤ 100, ≤ 25 params)."""
    merged = {
        "session_id": session_id,
        # A session needs engagement to count; an unanswered call still engaged for a moment.
        "engagement_time_msec": max(1, duration_seconds * 1000),
        **{key: value for key, value in params.items() if value not in (None, "")},
    }
    clipped = {_clip_name(key): _clip_value(value) for key, value in list(merged.items())[:GA4_MAX_PARAMS]}
    return {"name": _clip_name(name), "timestamp_micros": int(started_at.timestamp() * 1_000_000), "params": clipped}


def plan_ga4_requests(*, client_id: str, events: list[dict]) -> list[dict]:
    """Bodies of at most 25 events each. timestamp_micros sits on each event, so batches may mix times."""
    bodies = []
    for i in range(0, len(events), GA4_MAX_EVENTS_PER_REQUEST):
        chunk = events[i:i + GA4_MAX_EVENTS_PER_REQUEST]
        body = {"client_id": client_id, "events": chunk}
        if len({event["timestamp_micros"] for event in chunk}) == 1:
            body["timestamp_micros"] = chunk[0]["timestamp_micros"]
        bodies.append(body)
    return bodies


def ga4_skip_reason(*, has_visit: bool, client_id: str, started_at: datetime, now: datetime) -> str:
    """Why a call can't go to GA4, or '' if it can."""
    if not has_visit:
        return "The call has no visit (not attributed to a session)."
    if not client_id:
        return "The visit has no GA client id (gtag and the _ga cookie were missing)."
    if now - started_at >= GA4_MAX_AGE:
        return "The call started more than 72 h ago; GA4 no longer accepts it."
    return ""


# --- GA4 settings (Google's rules for Measurement Protocol events and web data streams) ------------------

GA4_MEASUREMENT_ID = re.compile(r"^G-[A-Z0-9]{6,}$")
GA4_EVENT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,39}$")
# Names GA4 reserves (its automatically collected events): an event sent with one is dropped.
GA4_RESERVED_EVENT_NAMES = frozenset({
    "ad_activeview", "ad_click", "ad_exposure", "ad_impression", "ad_query", "ad_reward", "adunit_exposure",
    "app_background", "app_clear_data", "app_exception", "app_remove", "app_store_refund",
    "app_store_subscription_cancel", "app_store_subscription_convert", "app_store_subscription_renew",
    "app_update", "app_upgrade", "dynamic_link_app_open", "dynamic_link_app_update", "dynamic_link_first_open",
    "error", "first_open", "first_visit", "in_app_purchase", "notification_dismiss", "notification_foreground",
    "notification_open", "notification_receive", "os_update", "session_start", "session_start_with_rollout",
    "user_engagement",
})
GA4_RESERVED_PREFIXES = ("google_", "ga_", "firebase_", "gtag.")


def ga4_event_name_problem(name: str) -> str | None:
    """Why GA4 would drop events with this name (None when it accepts it)."""
    if not GA4_EVENT_NAME.match(name or ""):
        return "Use up to 40 letters, digits and underscores, starting with a letter (e.g. phone_call)."
    lowered = name.lower()
    if lowered in GA4_RESERVED_EVENT_NAMES:
        return f"“{name}” is reserved by Google Analytics; choose another name (e.g. phone_call)."
    if lowered.startswith(GA4_RESERVED_PREFIXES):
        return f"Event names may not start with {', '.join(GA4_RESERVED_PREFIXES)}."
    return None


def ga4_measurement_id_problem(measurement_id: str) -> str | None:
    if not GA4_MEASUREMENT_ID.match(measurement_id or ""):
        return "A GA4 measurement ID is G- followed by letters and digits, like G-ABC123XYZ9 (Admin → Data streams)."
    return None

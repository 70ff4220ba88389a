"""Writes for integrations. HTTP calls happen here but never inside a transaction."""

import json
import logging
import secrets
import time
from datetime import UTC, datetime, timedelta

import requests
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.models import Schedule
from django_q.tasks import schedule
from standardwebhooks import Webhook

from accounts.models import Account
from accounts.services import audit_record
from core.actors import Actor, actor_label
from core.error_codes import ENDPOINT_DISABLED, INVALID
from core.errors import DomainError, full_clean_or_raise
from core.queue import enqueue_on_commit, wake_on_commit
from core.redaction import redact_secret
from core.updates import model_update
from integrations import planner
from integrations.explain import webhook_request_error, webhook_status_error
from integrations.models import (
    GA4Delivery,
    GA4Settings,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    generate_webhook_secret,
)
from integrations.signals import integration_failing
from integrations.url_guard import guarded_session, webhook_url_problem

logger = logging.getLogger(__name__)

GA4_DEBUG_URL = "https://www.google-analytics.com/debug/mp/collect"
# A worker sending a pending row pushes its due time this far ahead (its claim): another worker or the sweeper
# does not send it meanwhile; a worker that died mid-send leaves it due again after this.
CLAIM = timedelta(minutes=5)
# The sweeper stops taking rows after this long, well inside the worker's task timeout (60 s).
SWEEP_BUDGET_SECONDS = 30


def _due(now: datetime) -> Q:
    return Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)


def _claim(model, pk: int, now: datetime) -> bool:
    """Take a pending, due row for one send (a conditional update: only one taker wins)."""
    return model.objects.filter(_due(now), pk=pk, status="pending").update(next_attempt_at=now + CLAIM) == 1


def _jsonable(data) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def _queue_later(func: str, *args, run_at: datetime, name: str) -> None:
    transaction.on_commit(
        lambda: schedule(func, *args, name=name, schedule_type=Schedule.ONCE, repeats=-1, next_run=run_at)
    )


# Webhook endpoints


def webhook_endpoint_create(*, account: Account, url: str, event_types: list[str], description: str = "",
                            is_enabled: bool = True, actor=None) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(account=account, url=url, event_types=event_types, description=description,
                               is_enabled=is_enabled)
    full_clean_or_raise(endpoint)
    problem = webhook_url_problem(url)
    if problem:
        raise DomainError("invalid", problem, {"url": [problem]})
    with transaction.atomic():
        endpoint.save()
        audit_record(account=account, actor=actor, action="webhook_endpoint.created", target=endpoint,
                     changes={"url": [None, url], "event_types": [None, event_types], "is_enabled": [None, is_enabled]})
    return endpoint


DELIVERIES = Actor.process("webhook deliveries", via="worker")  # disables an endpoint that keeps failing
WEBHOOK_ENDPOINT_EDITABLE_FIELDS = ["url", "description", "event_types"]


def webhook_endpoint_update(*, endpoint: WebhookEndpoint, actor=None, **changes) -> WebhookEndpoint:
    """Change an endpoint's url, description or events (`is_enabled` goes through enable/disable)."""
    is_enabled = changes.pop("is_enabled", None)
    unknown = set(changes) - set(WEBHOOK_ENDPOINT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"webhook_endpoint_update got unexpected fields {sorted(unknown)}")
    problem = webhook_url_problem(changes["url"]) if "url" in changes else None
    if problem:
        raise DomainError("invalid", problem, {"url": [problem]})
    with transaction.atomic():
        endpoint, changed = model_update(instance=endpoint, fields=WEBHOOK_ENDPOINT_EDITABLE_FIELDS, data=changes,
                                         auto_updated_at=False)
        if changed:
            audit_record(account=endpoint.account, actor=actor, action="webhook_endpoint.changed", target=endpoint,
                         changes={field: [old, new] for field, (old, new) in changed.items()})
        if is_enabled is True and not endpoint.is_enabled:
            endpoint = webhook_endpoint_enable(endpoint=endpoint, actor=actor)
        elif is_enabled is False and endpoint.is_enabled:
            webhook_endpoint_disable(endpoint=endpoint, reason=f"Disabled by {actor_label(actor)}.", actor=actor)
            endpoint.refresh_from_db()
    return endpoint


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor=None, now: datetime | None = None) -> str:
    """A new secret; the old one keeps signing for a day so receivers can switch over."""
    now = now or timezone.now()
    new_secret = generate_webhook_secret()
    endpoint.previous_secret, endpoint.previous_secret_expires_at = endpoint.secret, now + timedelta(hours=24)
    endpoint.secret = new_secret
    with transaction.atomic():
        endpoint.save(update_fields=["secret_encrypted", "previous_secret_encrypted", "previous_secret_expires_at"])
        audit_record(account=endpoint.account, actor=actor, action="webhook_endpoint.secret_rotated", target=endpoint, now=now)
    return new_secret


def webhook_endpoint_enable(*, endpoint: WebhookEndpoint, actor=None) -> WebhookEndpoint:
    with transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(
            is_enabled=True, disabled_reason="", disabled_at=None, consecutive_failures=0
        )
        endpoint.refresh_from_db()
        audit_record(account=endpoint.account, actor=actor, action="webhook_endpoint.enabled", target=endpoint)
    return endpoint


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: str, actor=None, now: datetime | None = None) -> bool:
    """True when this call disabled it (it was enabled). `actor` None: the deliveries disabled it."""
    now = now or timezone.now()
    actor = actor or DELIVERIES
    with transaction.atomic():
        changed = WebhookEndpoint.objects.filter(pk=endpoint.pk, is_enabled=True).update(
            is_enabled=False, disabled_reason=reason[:300], disabled_at=now
        )
        if changed:
            audit_record(account=endpoint.account, actor=actor, action="webhook_endpoint.disabled", target=endpoint,
                         changes={"reason": [None, reason[:300]]}, now=now)
            if actor is DELIVERIES:  # a person who disables it knows already
                integration_failing.send(
                    sender=WebhookEndpoint, account_id=endpoint.account_id, key=f"webhook:{endpoint.pk}:{now.isoformat()}",
                    title="Webhook endpoint disabled", detail=f"{endpoint.url}: {reason[:300]}",
                )
    if changed:
        logger.warning("Webhook endpoint %s disabled: %s", endpoint.pk, reason)
    return bool(changed)


# GA4 settings

GA4_SETTINGS_FIELDS = ["measurement_id", "event_name", "is_enabled"]


@transaction.atomic
def ga4_settings_save(*, website, measurement_id: str, event_name: str = "phone_call", is_enabled: bool = True,
                      api_secret: str | None = None, actor=None) -> GA4Settings:
    """Create or change `website`'s GA4 stream. `api_secret` replaces the stored secret (None keeps it); a stream
    without a secret is refused. The audit row says the secret was set, never what it is."""
    existing = GA4Settings.objects.select_for_update().filter(website=website).first()
    created = existing is None
    ga4 = GA4Settings(website=website) if existing is None else existing
    before = {field: None if created else getattr(ga4, field) for field in GA4_SETTINGS_FIELDS}
    ga4.measurement_id, ga4.event_name, ga4.is_enabled = measurement_id, event_name, is_enabled
    if api_secret:
        ga4.set_api_secret(api_secret.strip())
    elif not ga4.api_secret:
        raise DomainError(INVALID, "Enter the API secret.", {"api_secret": ["Enter the API secret."]})
    full_clean_or_raise(ga4)  # Google's rules for the measurement id and event name (GA4Settings.clean)
    changes = {field: [old, getattr(ga4, field)] for field, old in before.items() if old != getattr(ga4, field)}
    if api_secret:
        changes["api_secret"] = [None, "set"]
    if not created and not changes:
        return ga4
    ga4.save()
    audit_record(account=website.account, actor=actor, action="ga4_settings.created" if created else "ga4_settings.changed",
                 target=ga4, changes=changes)
    return ga4


# Publishing and delivering


def webhook_signature_headers(*, secrets_: list[str], msg_id: str, timestamp: datetime, body: str) -> dict[str, str]:
    """Standard Webhooks headers; one `v1,` signature per live secret, space-separated."""
    stamp = timestamp.astimezone(UTC)
    signatures = " ".join(Webhook(secret).sign(msg_id, stamp, body) for secret in secrets_)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
        "user-agent": "callpool-webhooks/1",
    }


def webhook_event_publish(*, account_id: int, event_type: str, data: dict, now: datetime | None = None) -> list[WebhookDelivery]:
    """One delivery per enabled endpoint of the account that subscribed to `event_type`."""
    now = now or timezone.now()
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(account_id=account_id, is_enabled=True)
        if endpoint.wants(event_type)
    ]
    if not endpoints:
        return []
    payload = {"type": event_type, "timestamp": now.astimezone(UTC).isoformat().replace("+00:00", "Z"), "data": _jsonable(data)}
    with transaction.atomic():
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(endpoint=endpoint, msg_id=f"msg_{secrets.token_urlsafe(18)}", event_type=event_type,
                            payload=payload, next_attempt_at=now)
            for endpoint in endpoints
        )
        for delivery in WebhookDelivery.objects.filter(msg_id__in=[d.msg_id for d in deliveries]):
            wake_on_commit("integrations.tasks.deliver_webhook", delivery.pk)
    return deliveries


def _endpoint_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    keys = [endpoint.secret]
    if endpoint.previous_secret and endpoint.previous_secret_expires_at and endpoint.previous_secret_expires_at > now:
        keys.append(endpoint.previous_secret)
    return keys


def _post(url: str, body: str, headers: dict) -> tuple[int | None, str, str, dict]:
    """(status code or None, response body, error, response headers). Never follows redirects; refuses
    URLs that are not https (unless DEBUG) and hosts that resolve to non-public addresses (url_guard)."""
    problem = webhook_url_problem(url)
    if problem:
        return None, "", f"Refused: {problem}"[:500], {}
    try:
        with guarded_session() as session:
            response = session.post(url, data=body.encode(), headers=headers,
                                    timeout=settings.WEBHOOKS_TIMEOUT_SECONDS, allow_redirects=False)
    except requests.RequestException as exc:
        return None, "", webhook_request_error(exc, timeout_seconds=settings.WEBHOOKS_TIMEOUT_SECONDS)[:500], {}
    return response.status_code, response.text[:1000], "", dict(response.headers)


def webhook_deliver(*, delivery_id: int, is_replay: bool = False, now: datetime | None = None) -> WebhookDelivery | None:
    """Send one delivery once, log the attempt, and decide: done, retry later, give up, or disable."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return None
    endpoint = delivery.endpoint
    if not is_replay and (delivery.status != WebhookDelivery.Status.PENDING or not endpoint.is_enabled):
        if delivery.status == WebhookDelivery.Status.PENDING:
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                status=WebhookDelivery.Status.FAILED, last_error="The endpoint is disabled.", next_attempt_at=None
            )
        return delivery
    now = now or timezone.now()
    if not is_replay and not _claim(WebhookDelivery, delivery.pk, now):
        return delivery  # not due yet, or another worker (or the sweeper) is sending it
    body = json.dumps(delivery.payload, separators=(",", ":"))
    headers = webhook_signature_headers(secrets_=_endpoint_secrets(endpoint, now), msg_id=delivery.msg_id, timestamp=now, body=body)
    started = time.monotonic()
    status_code, response_body, error, response_headers = _post(endpoint.url, body, headers)
    duration_ms = int((time.monotonic() - started) * 1000)
    attempts = delivery.attempts + 1
    outcome = planner.plan_webhook_outcome(
        attempts=attempts, status_code=status_code,
        retry_after=response_headers.get("Retry-After") or response_headers.get("retry-after"), now=now,
    )
    if is_replay and outcome.action in ("retry", "give_up"):
        # A replay is one manual try; it doesn't restart the automatic schedule.
        outcome = planner.WebhookOutcome("give_up", reason="Replay failed.")
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery, attempted_at=now, status_code=status_code, error=error,
            response_body=response_body, duration_ms=duration_ms, is_replay=is_replay,
        )
        delivery.attempts, delivery.last_status_code = attempts, status_code
        delivery.last_error = error or ("" if outcome.action == "succeeded" else webhook_status_error(status_code))
        if outcome.action == "succeeded":
            delivery.status, delivery.succeeded_at, delivery.next_attempt_at = WebhookDelivery.Status.SUCCEEDED, now, None
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=0)
        else:
            WebhookEndpoint.objects.filter(pk=endpoint.pk).update(consecutive_failures=F("consecutive_failures") + 1)
            if outcome.action == "retry":
                delivery.next_attempt_at = now + timedelta(seconds=outcome.delay_seconds)
                _queue_later("integrations.tasks.deliver_webhook", delivery.pk, run_at=delivery.next_attempt_at,
                             name=f"webhook {delivery.msg_id} try {attempts + 1}")
            else:
                delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
                if outcome.action == "disable":
                    webhook_endpoint_disable(endpoint=endpoint, reason=outcome.reason, now=now)
                elif not is_replay:
                    webhook_endpoint_disable(
                        endpoint=endpoint, now=now,
                        reason=f"Disabled after {attempts} failed attempts to deliver {delivery.msg_id} "
                               f"(last: {delivery.last_error}). Fix the receiver, then enable it again.",
                    )
        delivery.save(update_fields=["attempts", "last_status_code", "last_error", "status", "succeeded_at", "next_attempt_at"])
    return delivery


def webhook_replay(*, delivery: WebhookDelivery) -> None:
    """Send a delivery again now, with the same webhook-id, so receivers can de-duplicate."""
    if not delivery.endpoint.is_enabled:
        raise DomainError(ENDPOINT_DISABLED, "Enable the endpoint before replaying its messages.")
    enqueue_on_commit("integrations.tasks.replay_webhook", delivery.pk)


def webhook_send_test(*, endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    """A `tracker.status_changed`-shaped ping, so a receiver can be tried without a real event."""
    if not endpoint.is_enabled:
        raise DomainError(ENDPOINT_DISABLED, "Enable the endpoint first.")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, msg_id=f"msg_{secrets.token_urlsafe(18)}", event_type=endpoint.event_types[0],
        payload={"type": endpoint.event_types[0], "timestamp": timezone.now().isoformat(), "data": {"test": True}},
        next_attempt_at=timezone.now(),
    )
    wake_on_commit("integrations.tasks.deliver_webhook", delivery.pk)
    return [delivery]


# GA4


def ga4_enqueue(*, call, now: datetime | None = None) -> GA4Delivery | None:
    """Record the GA4 event of a converting call that is final (once) and queue it; log why when it can't be sent.

    Called on every completion / conversion / outcome change: a call that is no conversion, or not final yet
    (still ringing, or one leg's end still awaited: calls.completion), gets no row, so it can still be sent when
    it converts or settles later, with its real talk time and duration; the one-row-per-call constraint makes
    "later" happen exactly once.
    """
    now = now or timezone.now()
    if not call.is_conversion or call.spam or not call.is_final:
        return None
    website = call.pool.website if call.pool_id else None
    if website is None:
        return None
    ga4 = GA4Settings.objects.filter(website=website, is_enabled=True).first()
    if ga4 is None:
        return None
    visit = call.visit
    reason = planner.ga4_skip_reason(
        has_visit=visit is not None, client_id=visit.ga_client_id if visit else "", started_at=call.started_at, now=now
    )
    delivery, created = GA4Delivery.objects.get_or_create(
        call=call, defaults={"account_id": call.account_id, "website": website,
                             "status": GA4Delivery.Status.SKIPPED if reason else GA4Delivery.Status.PENDING,
                             "reason": reason},
    )
    if not created:
        return delivery
    if reason:
        logger.info("GA4 event for call %s skipped: %s", call.pk, reason)
        return delivery
    delivery.payload = ga4_conversion_payload(call=call, event_name=ga4.event_name, currency=call.account.currency)
    delivery.next_attempt_at = now
    delivery.save(update_fields=["payload", "next_attempt_at"])
    wake_on_commit("integrations.tasks.send_ga4", delivery.pk)
    return delivery


def ga4_conversion_payload(*, call, event_name: str, currency: str) -> dict:
    """The Measurement Protocol body of a converting call: final status, talk time and the conversion value."""
    visit = call.visit
    event = planner.plan_ga4_event(
        name=event_name, session_id=visit.ga_session_id or "", started_at=call.started_at,
        duration_seconds=call.talk_seconds,
        params={"source": call.source, "medium": call.medium, "campaign": call.campaign, "term": call.term,
                "call_status": call.status, "first_time_caller": "yes" if call.is_first_time_caller else "no",
                "call_duration_seconds": call.duration_seconds, "talk_seconds": call.talk_seconds,
                "outcome": call.outcome, "value": float(call.conversion_value), "currency": currency,
                "attribution_method": call.attribution_method},
    )
    return planner.plan_ga4_requests(client_id=visit.ga_client_id, events=[event])[0]


def _ga4_post(url: str, ga4: GA4Settings, body: dict) -> requests.Response | None:
    secret = ga4.get_api_secret()
    try:
        return requests.post(url, params={"measurement_id": ga4.measurement_id, "api_secret": secret},
                             json=body, timeout=settings.GA4_TIMEOUT_SECONDS)
    except requests.RequestException as exc:
        # The exception text carries the request URL, whose query string holds the secret (percent-encoded): never log it.
        text = redact_secret(str(exc), secret, "[api_secret]")
        logger.warning("GA4 request failed: %s: %s", type(exc).__name__, text)
        return None


def ga4_send(*, delivery_id: int, now: datetime | None = None) -> GA4Delivery | None:
    delivery = GA4Delivery.objects.select_related("call", "website__ga4_settings").filter(pk=delivery_id).first()
    if delivery is None or delivery.status != GA4Delivery.Status.PENDING:
        return delivery
    now = now or timezone.now()
    if not _claim(GA4Delivery, delivery.pk, now):
        return delivery  # not due yet, or another worker (or the sweeper) is sending it
    ga4 = delivery.website.ga4_settings
    response = _ga4_post(settings.GA4_COLLECT_URL, ga4, delivery.payload)
    delivery.attempts += 1
    delivery.next_attempt_at = None
    if response is not None:
        delivery.response_status = response.status_code
        if 200 <= response.status_code < 300:
            delivery.status, delivery.sent_at, delivery.reason = GA4Delivery.Status.SENT, now, ""
        else:
            delivery.status, delivery.reason = GA4Delivery.Status.FAILED, f"GA4 answered HTTP {response.status_code}."
    else:
        delay = planner.plan_ga4_retry(attempts=delivery.attempts, got_response=False,
                                       call_started_at=delivery.call.started_at, now=now)
        if delay is None:
            delivery.status, delivery.reason = GA4Delivery.Status.FAILED, f"No response from GA4 after {delivery.attempts} attempts."
        else:
            delivery.reason = f"No response from GA4; retrying in {delay} s."
            delivery.next_attempt_at = now + timedelta(seconds=delay)
            _queue_later("integrations.tasks.send_ga4", delivery.pk, run_at=delivery.next_attempt_at,
                         name=f"ga4 {delivery.pk} try {delivery.attempts + 1}")
    with transaction.atomic():
        delivery.save(update_fields=["attempts", "response_status", "status", "sent_at", "reason", "next_attempt_at"])
        if delivery.status == GA4Delivery.Status.FAILED:
            # One alert per data stream and day, however many events fail.
            integration_failing.send(
                sender=GA4Delivery, account_id=delivery.account_id,
                key=f"ga4:{delivery.website_id}:{now.date().isoformat()}",
                title=f"GA4 is not taking conversions ({ga4.measurement_id})",
                detail=f"{delivery.website.name}: {delivery.reason} Use “Test connection” on the integrations page.",
            )
    return delivery


def outbox_send_due(*, now: datetime | None = None, budget_seconds: float = SWEEP_BUDGET_SECONDS) -> int:
    """The sweeper: send every pending webhook delivery and GA4 event that is due, oldest first — what a lost
    wake-up (the broker was down at commit) or a lost retry left behind. Each send claims its row first, so a
    wake-up task running at the same time never sends it twice. Returns how many sends were tried."""
    started = time.monotonic()
    tried = 0
    from integrations.ad_services import ad_conversion_send
    from integrations.models import AdConversionUpload

    def send_upload(*, delivery_id: int, now: datetime | None = None):
        return ad_conversion_send(upload_id=delivery_id, now=now)

    for model, send in ((WebhookDelivery, webhook_deliver), (GA4Delivery, ga4_send), (AdConversionUpload, send_upload)):
        cutoff = now or timezone.now()
        due = model.objects.filter(_due(cutoff), status="pending").order_by("created_at", "id").values_list("id", flat=True)
        for row_id in due[:1000]:
            if time.monotonic() - started > budget_seconds:
                return tried  # the next run goes on
            send(delivery_id=row_id, now=now)
            tried += 1
    return tried


def ga4_test_connection(*, ga4: GA4Settings, now: datetime | None = None) -> list[str]:
    """Validate a sample event with GA's debug endpoint. Returns GA's validation messages ([] means valid)."""
    return [m.get("description", str(m)) for m in ga4_validation_messages(ga4=ga4, now=now)]


def ga4_validation_messages(*, ga4: GA4Settings, now: datetime | None = None) -> list[dict]:
    """Google's validation messages for a sample event, as Google sends them ({"fieldPath", "description",
    "validationCode"}); [] means the event is valid. Raises DomainError when GA4 does not answer usefully."""
    now = now or timezone.now()
    event = planner.plan_ga4_event(name=ga4.event_name, session_id="1", started_at=now, duration_seconds=1,
                                   params={"source": "callpool", "medium": "test"})
    body = planner.plan_ga4_requests(client_id="555.555", events=[event])[0]
    response = _ga4_post(GA4_DEBUG_URL, ga4, body)
    if response is None:
        raise DomainError("ga4_unreachable", "GA4 did not answer; try again later.")
    if response.status_code >= 300:
        raise DomainError("ga4_error", f"GA4 answered HTTP {response.status_code}.")
    try:
        messages = response.json().get("validationMessages", [])
    except ValueError:
        raise DomainError("ga4_error", "GA4 answered something that isn't JSON.") from None
    return [m if isinstance(m, dict) else {"description": str(m)} for m in messages]

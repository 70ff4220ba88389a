"""Call flows at work: the plan for an inbound call (telephony.call_flow decides, calls.twiml renders), the
answers of the flow's own webhooks (dial result, whisper, voicemail done) and the previews.

The voice webhook's plan needs no query: the tracker arrives with its pool and account (one select_related), and
the flow, the zone and the notice audio's digest are columns of those rows.
"""

import hashlib
import hmac
import logging
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from calls.selectors import call_for_provider_id, tracker_for_inbound_number
from calls.twiml import FlowUrls, twiml_empty, twiml_hangup, twiml_say, twiml_voicemail
from core.phones import phone_display
from core.voicemail_transcription import voicemail_transcribe_callback
from telephony.call_flow import (
    DEFAULT_VOICEMAIL_GREETING,
    CallFacts,
    FlowPlan,
    describe_plan,
    plan_call,
    spoken_source,
    whisper_text,
)

logger = logging.getLogger(__name__)

ANSWERED_DIAL_STATUSES = ("completed", "answered")
UNANSWERED_DIAL_STATUSES = ("no-answer", "busy", "failed")


def call_flow_of(tracker) -> dict | None:
    """The flow a call to `tracker` follows: the tracker's own, else its pool's (None: always open)."""
    return tracker.call_flow if tracker.call_flow is not None else tracker.pool.call_flow


def notice_audio_token(pool_id: int, digest: str) -> str:
    """The unguessable part of a notice's public URL (the provider fetches it without credentials)."""
    return hmac.new(settings.SECRET_KEY.encode(), f"notice:{pool_id}:{digest}".encode(), hashlib.sha256).hexdigest()[:32]


def notice_audio_is_signed(*, pool_id: int, digest: str, token: str) -> bool:
    return bool(digest) and hmac.compare_digest(notice_audio_token(pool_id, digest), token)


def voicemail_urls(urls: FlowUrls, *, account_id: int | None, webhook_prefix: str) -> FlowUrls:
    """`urls` for taking a voicemail: with the transcription callback when the account has the provider transcribe
    (asked only here, so a call that rings through costs nothing more)."""
    if account_id is None:
        return urls
    return replace(urls, transcribe=voicemail_transcribe_callback(account_id=account_id, webhook_prefix=webhook_prefix))


def flow_urls(pool, *, webhook_prefix: str = "twilio") -> FlowUrls:
    """The plan's callbacks, on the provider's own webhooks (/telephony/<webhook_prefix>/…)."""
    base = f"{settings.PUBLIC_BASE_URL}/telephony/{webhook_prefix}"
    notice = ""
    if pool.notice_audio_digest:
        notice = f"{settings.PUBLIC_BASE_URL}/telephony/notice/{pool.pk}/{notice_audio_token(pool.pk, pool.notice_audio_digest)}"
    return FlowUrls(status=f"{base}/status", recording=f"{base}/recording", dial_result=f"{base}/dial-result",
                    whisper=f"{base}/whisper", voicemail_done=f"{base}/voicemail", notice_audio=notice)


def local_time(account, at: datetime) -> datetime:
    return at.astimezone(ZoneInfo(account.timezone))


def call_flow_plan(*, tracker, original_number: str, now: datetime) -> FlowPlan:
    """What a call to `tracker` at `now` does (the voice webhook and the sandbox)."""
    pool = tracker.pool
    facts = CallFacts(original_number=original_number, record=pool.record_calls,
                      has_notice_audio=bool(pool.notice_audio_digest))
    return plan_call(call_flow_of(tracker), at=local_time(pool.account, now), facts=facts)


def call_flow_preview(*, pool, flow: dict | None, at_local: datetime, tracker=None) -> str:
    """The preview's sentence for `flow` (what a pool or tracker has, or a draft) at a time in the account's zone."""
    original = (tracker.original_number if tracker is not None and tracker.original_number else "") or pool.original_number
    facts = CallFacts(original_number=original, record=pool.record_calls, has_notice_audio=bool(pool.notice_audio_digest))
    plan = plan_call(flow, at=at_local, facts=facts)
    return describe_plan(plan, at=at_local, number_display=phone_display)


def _greeting(tracker) -> str:
    flow = call_flow_of(tracker) if tracker is not None else None
    return (flow or {}).get("voicemail_greeting") or DEFAULT_VOICEMAIL_GREETING


def call_dial_result(*, params, webhook_prefix: str = "twilio") -> str:
    """The <Dial action> answer: the business answered (or the caller hung up) → hang up; nobody answered, busy or
    failed → voicemail. A failure here still takes the message (default greeting) rather than dropping the caller."""
    status = params.get("DialCallStatus", "")
    if status not in UNANSWERED_DIAL_STATUSES:
        return twiml_hangup()
    tracker = None
    try:
        tracker = tracker_for_inbound_number(number=params.get("To", ""))
    except Exception:
        logger.exception("Looking up the tracker of %s failed; voicemail with the default greeting.", params.get("CallSid"))
    pool = tracker.pool if tracker is not None else None
    urls = flow_urls(pool, webhook_prefix=webhook_prefix) if pool is not None else flow_urls_default(webhook_prefix)
    urls = voicemail_urls(urls, account_id=pool.account_id if pool is not None else None, webhook_prefix=webhook_prefix)
    return twiml_voicemail(greeting=_greeting(tracker), urls=urls)


def flow_urls_default(webhook_prefix: str = "twilio") -> FlowUrls:
    base = f"{settings.PUBLIC_BASE_URL}/telephony/{webhook_prefix}"
    return FlowUrls(status=f"{base}/status", recording=f"{base}/recording", dial_result=f"{base}/dial-result",
                    whisper=f"{base}/whisper", voicemail_done=f"{base}/voicemail")


def whisper_values(call) -> dict:
    return {"source": spoken_source(call.source, call.medium), "medium": call.medium, "campaign": call.campaign,
            "keyword": call.term, "pool": call.pool.name if call.pool_id else ""}


def call_whisper(*, params) -> str:
    """What the business hears when it answers (<Number url>): the flow's whisper filled from the call's attribution.
    Nothing to say → an empty answer, and the call connects at once."""
    call = call_for_provider_id(provider_call_id=params.get("ParentCallSid") or params.get("CallSid", ""))
    if call is None or call.tracker is None:
        return twiml_empty()
    flow = call_flow_of(call.tracker) or {}
    template = flow.get("whisper") or ""
    return twiml_say(whisper_text(template, whisper_values(call))) if template else twiml_empty()

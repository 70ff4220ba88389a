"""Writes for visitors and visits. Ids are first-party, random and format-checked: a malformed id is absent."""

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction

from accounts.models import Website
from attribution.classification import classify
from attribution.models import Visit, Visitor

# 22 url-safe base64 characters = 128 random bits (what `new_id` makes).
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")
GA_ID_PATTERN = re.compile(r"^[0-9]{1,20}(\.[0-9]{1,20})?$")
SNIPPET_SEEN_EVERY = timedelta(minutes=5)


def new_id() -> str:
    return secrets.token_urlsafe(16)


def clean_id(value) -> str | None:
    """A well-formed first-party id, or None (never trust, never raise)."""
    return value if isinstance(value, str) and ID_PATTERN.match(value) else None


def clean_ga_id(value) -> str:
    return value if isinstance(value, str) and GA_ID_PATTERN.match(value) else ""


def _clip(value, length: int) -> str:
    return value[:length] if isinstance(value, str) else ""


@dataclass(frozen=True)
class VisitInput:
    page_url: str
    referrer: str = ""
    ga_client_id: str = ""
    ga_session_id: str = ""
    user_agent: str = ""


def _origin_of(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}"[:200] if parts.scheme and parts.netloc else ""


def website_mark_snippet_seen(*, website: Website, origin: str, now: datetime) -> None:
    """Install check for the dashboard. Written at most every few minutes, not on every request."""
    if website.snippet_seen_at and now - website.snippet_seen_at < SNIPPET_SEEN_EVERY:
        return
    Website.objects.filter(pk=website.pk).update(snippet_seen_at=now, snippet_seen_origin=origin[:200])
    website.snippet_seen_at, website.snippet_seen_origin = now, origin[:200]


def visit_get(*, website: Website, session_uid: str) -> Visit | None:
    return Visit.objects.filter(website=website, session_uid=session_uid).first()


def _own_hosts(website: Website, page_url: str) -> list[str]:
    hosts = list(website.domains or [])
    try:
        page_host = urlsplit(page_url).hostname
    except ValueError:
        page_host = None
    if page_host:
        hosts.append(page_host)
    return hosts


def visit_record(*, website: Website, visitor_uid: str, session_uid: str, data: VisitInput, now: datetime) -> Visit:
    """Get or start the session `session_uid`. A running session keeps the source it started with."""
    visit = visit_get(website=website, session_uid=session_uid)
    if visit is not None:
        updates = {"last_seen_at": now, "pageviews": visit.pageviews + 1}
        if data.ga_client_id and not visit.ga_client_id:
            updates["ga_client_id"] = data.ga_client_id
        if data.ga_session_id and not visit.ga_session_id:
            updates["ga_session_id"] = data.ga_session_id
        Visit.objects.filter(pk=visit.pk).update(**updates)
        for field, value in updates.items():
            setattr(visit, field, value)
        return visit
    page_url = _clip(data.page_url, 2000)
    c = classify(page_url, data.referrer, _own_hosts(website, page_url))
    try:
        with transaction.atomic():
            visitor, created = Visitor.objects.get_or_create(
                website=website, uid=visitor_uid,
                defaults={"first_source": c.source, "first_medium": c.medium, "first_campaign": c.campaign,
                          "first_landing_page": page_url, "first_seen_at": now, "last_seen_at": now},
            )
            if not created:
                Visitor.objects.filter(pk=visitor.pk).update(last_seen_at=now)
            return Visit.objects.create(
                website=website, visitor=visitor, session_uid=session_uid,
                source=c.source, medium=c.medium, campaign=c.campaign, term=c.term, content=c.content,
                gclid=c.gclid, gbraid=c.gbraid, wbraid=c.wbraid, msclkid=c.msclkid, fbclid=c.fbclid,
                landing_page=page_url, referrer=_clip(data.referrer, 2000),
                ga_client_id=data.ga_client_id, ga_session_id=data.ga_session_id,
                user_agent=_clip(data.user_agent, 500), started_at=now, last_seen_at=now,
            )
    except IntegrityError:
        # The same new session arrived twice at once (two tabs): the other request created it.
        visit = visit_get(website=website, session_uid=session_uid)
        if visit is None:
            raise
        return visit

"""Real Chromium: the call page shows a transcript (speaker turns, times, key phrases heard) at 1366 and 390 px —
it fits without sideways scrolling and axe finds nothing serious. The transcript is real PocketSphinx output for a
generated test-set call (data/dentist-insurance.json). `SHOTS_DIR=…` saves the two screenshots."""

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from accounts.models import Membership
from tests.factories import (
    AccountFactory,
    CallFactory,
    CallTrackerFactory,
    MembershipFactory,
    PoolFactory,
    UserFactory,
    WebsiteFactory,
)
from transcripts.models import Transcript, TranscriptionSettings
from transcripts.services import _heard_field

DATA = json.loads((Path(__file__).parent / "data" / "dentist-insurance.json").read_text())
FIT_JS = """() => ({viewport: document.documentElement.clientWidth, page: document.documentElement.scrollWidth,
  cards: [...document.querySelectorAll('.card')].filter(el => el.scrollWidth > el.clientWidth + 1).length})"""


@pytest.mark.browser
def test_call_page_transcript_fits_and_passes_axe(transactional_db, live_server, chromium):
    from axe_playwright_python.sync_playwright import Axe

    account = AccountFactory(name="Bright Smile Dental")
    user = UserFactory(username="transcript-reader")
    MembershipFactory(account=account, user=user, role=Membership.Role.MARKETER)
    website = WebsiteFactory(account=account, name="brightsmile.example")
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website, name="Main line"), active=True,
                                 source="google", medium="cpc")
    now = timezone.now()
    call = CallFactory(tracker=tracker, caller_number="+12025550187", source="google", medium="cpc", started_at=now - timedelta(hours=1),
                       answered_at=now - timedelta(hours=1), talk_seconds=24, recording_sid="RE" + "c" * 32,
                       recording_url=f"https://api.twilio.com/2010-04-01/Accounts/AC{'1' * 32}/Recordings/RE{'c' * 32}",
                       recording_duration_seconds=24)
    TranscriptionSettings.objects.create(account=account, backend="local", key_phrases=["appointment", "insurance"])
    Transcript.objects.create(account=account, call=call, recording_sid=call.recording_sid, backend="local", status="ready",
                              text=DATA["text"], segments=DATA["segments"], spotted=DATA["spotted"],
                              heard=_heard_field(DATA["spotted"]), ready_at=now)
    client = Client()
    client.force_login(get_user_model().objects.get(username="transcript-reader"))
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
    shots = os.environ.get("SHOTS_DIR", "")
    problems = []
    for width in (1366, 390):
        context = chromium.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([cookie])
        page = context.new_page()
        assert page.goto(f"{live_server.url}/dashboard/calls/{call.pk}/").status == 200
        section = page.locator("#transcript")
        assert "Key phrases heard" in section.inner_text()
        assert section.locator(".turn").count() == len(DATA["segments"])
        assert section.locator(".turn-caller").first.is_visible() and section.locator(".turn-business").count() > 0
        fit = page.evaluate(FIT_JS)
        if fit["page"] > fit["viewport"] or fit["cards"]:
            problems.append(f"{width}px: {fit}")
        for violation in Axe().run(page).response["violations"]:
            if violation["impact"] in ("serious", "critical"):
                problems.append(f"{width}px: axe {violation['id']}: {violation['help']}")
        if shots:
            page.screenshot(path=f"{shots}/h7-call-transcript-{width}.png", full_page=True)
        context.close()
    assert not problems, "\n".join(problems)

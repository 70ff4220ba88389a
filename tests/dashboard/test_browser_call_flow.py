"""The call handling editor and a voicemail with its caller's name, in real Chromium at 1366 and 390 px: an account
admin edits the hours, previews "a call at Sunday 22:10" and saves; the page fits, axe finds nothing serious; the
calls log and the call page show the voicemail and the caller's name.

`SHOTS_DIR=/some/dir` saves screenshots there (the lead's closing note; off in CI)."""

import os
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from accounts.models import Account
from calls.caller_names import call_caller_name_fill
from calls.simulation import call_simulate
from pools.models import Pool
from pools.services import pool_update
from tests.dashboard.test_browser_layout import OVERFLOW_JS, WIDTHS

FLOW = {"hours": [{"days": [0, 1, 2, 3, 4], "open": "08:00", "close": "18:00"}], "holidays": ["2026-12-25"],
        "closed": {"action": "voicemail"}, "ring_seconds": 20, "whisper": "Call from {source}, keyword {keyword}"}


def _cookie(live_server, username):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}


def _check(page, axe, where, problems):
    fit = page.evaluate(OVERFLOW_JS)
    if fit["page"] > fit["viewport"]:
        problems.append(f"{where}: page is {fit['page']} px wide in a {fit['viewport']} px viewport")
    problems.extend(f"{where}: card overflows: {card}" for card in fit["cards"])
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            problems.append(f"{where}: axe {violation['impact']} {violation['id']}: {violation['help']}")


@pytest.mark.browser
def test_call_flow_editor_preview_and_voicemail_pages(transactional_db, live_server, chromium):
    from axe_playwright_python.sync_playwright import Axe

    call_command("seed_demo", stdout=StringIO())
    main = Pool.objects.get(name="Main line")
    pool_update(pool=main, call_flow=FLOW)
    Account.objects.filter(pk=main.account_id).update(lookup_caller_names=True)
    sunday_night = datetime(2026, 11, 30, 3, 10, tzinfo=UTC)  # 22:10 on Sunday 29 Nov in New York (the demo zone)
    tracker = main.trackers.filter(deleted_at__isnull=True).first()
    voicemail = call_simulate(tracking_number=tracker.tracking_number, caller_number="+13125550187", now=sunday_night,
                              duration_seconds=18)
    name = call_caller_name_fill(call_id=voicemail.pk)
    shots = Path(os.environ["SHOTS_DIR"]) if os.environ.get("SHOTS_DIR") else None
    axe, problems = Axe(), []
    for label, width in WIDTHS.items():
        context = chromium.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([_cookie(live_server, "admin")])
        page = context.new_page()
        page.goto(f"{live_server.url}/dashboard/pools/{main.pk}/call-flow/")
        page.fill("#id_at", "2026-12-06T22:10")
        page.click(".flow-at button")
        asked = page.inner_text(".flow-asked")
        assert "At 22:10 on a Sunday this call goes to voicemail (outside business hours)." in asked
        page.fill("#id_open_5", "09:00")
        page.fill("#id_close_5", "13:00")
        page.click("button[value=preview]")
        assert "Preview of your changes" in page.inner_text(".flow-preview")
        _check(page, axe, f"call flow editor at {width}px", problems)
        if shots:
            page.screenshot(path=str(shots / f"h6-call-flow-{label}-{width}.png"), full_page=True)
        page.goto(f"{live_server.url}/dashboard/calls/?result=voicemail")
        assert name and name in page.inner_text("table.calls")
        _check(page, axe, f"calls log at {width}px", problems)
        if shots:
            page.screenshot(path=str(shots / f"h6-calls-voicemail-{label}-{width}.png"), full_page=False)
        page.goto(f"{live_server.url}/dashboard/calls/{voicemail.pk}/")
        assert "Voicemail" in page.inner_text("dl.facts") and name in page.inner_text("dl.facts")
        _check(page, axe, f"voicemail call page at {width}px", problems)
        if shots:
            page.screenshot(path=str(shots / f"h6-voicemail-call-{label}-{width}.png"), full_page=False)
        context.close()
    assert not problems, "\n".join(problems)

"""Real Chromium on the demo data: the call page (recording player, pages of the journey, time zone) and the
landing-page, keyword and channel reports. Screenshots go to test-artifacts/ for a human look."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from calls.models import Call

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
def test_call_page_and_reports_on_the_demo_data(transactional_db, live_server, chromium):
    call_command("seed_demo", stdout=StringIO())
    call = Call.objects.filter(visit__pageviews__gt=2).exclude(recording_sid="").order_by("-started_at").first()
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "marketer")
    page.fill("input[name=password]", "callpool-demo")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")

    page.goto(f"{live_server.url}/dashboard/calls/{call.pk}/")
    assert "times in America/New_York" in page.locator(".who").inner_text()
    pages = page.locator(".journey li.this ol.pages li")
    assert pages.count() == call.visit.pageviews
    # The player loads the recording through callpool's authenticated view: a real, decodable 3-second WAV.
    # Only once the page's own requests are done: on SQLite the live server's threads share one in-memory
    # connection, and two requests at once can interleave on it.
    page.wait_for_load_state("networkidle")
    duration = page.evaluate("""() => new Promise((resolve, reject) => {
        const audio = document.querySelector('audio.recording');
        audio.addEventListener('loadedmetadata', () => resolve(audio.duration));
        audio.addEventListener('error', () => reject(new Error('audio error ' + (audio.error && audio.error.code))));
        audio.preload = 'auto'; audio.load();
    })""")
    assert 2.5 < duration < 3.5
    page.screenshot(path=str(ARTIFACTS / "call-detail-recording-journey.png"), full_page=True)

    page.goto(f"{live_server.url}/dashboard/reports/landing_page/")
    labels = page.locator("table .barlabel").all_inner_texts()
    assert sorted(labels)[:2] == ["(not set)", "localhost/"] and all("?" not in label for label in labels)
    assert len(labels) == 6  # five pages + calls of the source pool, which have no landing page
    page.screenshot(path=str(ARTIFACTS / "report-landing-page.png"), full_page=True)

    page.goto(f"{live_server.url}/dashboard/reports/term/")
    assert page.locator("#keyword-hint").is_visible()
    assert "utm_term={keyword}" in page.locator("#ads-template").inner_text()
    page.screenshot(path=str(ARTIFACTS / "report-keyword.png"), full_page=True)

    page.goto(f"{live_server.url}/dashboard/reports/channel/")
    channels = set(page.locator("table .barlabel").all_inner_texts())
    assert {"Paid Search", "Organic Search", "Direct", "Organic Social", "Email"} <= channels
    page.screenshot(path=str(ARTIFACTS / "report-channel.png"), full_page=True)

    page.goto(f"{live_server.url}/dashboard/calls/?recording=yes")
    page.screenshot(path=str(ARTIFACTS / "calls-with-recording.png"), full_page=True)
    context.close()

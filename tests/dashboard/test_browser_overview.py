"""Real Chromium through Playwright: log in through the login form and look at the overview."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Membership
from tests.factories import (
    AccountFactory,
    CallFactory,
    CallTrackerFactory,
    MembershipFactory,
    PoolFactory,
    UserFactory,
    VisitFactory,
    WebsiteFactory,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _seed():
    account = AccountFactory(name="Acme Plumbing")
    MembershipFactory(account=account, user=UserFactory(username="browser-marketer"), role=Membership.Role.MARKETER)
    website = WebsiteFactory(account=account, name="acme.example")
    pool = PoolFactory(account=account, website=website, name="Main line", tracking="visitor")
    trackers = [CallTrackerFactory(pool=pool, active=True) for _ in range(3)]
    now = timezone.now()
    sources = [("google", "cpc", "spring-sale"), ("google", "organic", ""), ("facebook", "social", "brand"), ("(direct)", "(none)", "")]
    for day in range(30):
        for n in range((day * 7) % 5 + 1):
            source, medium, campaign = sources[(day + n) % len(sources)]
            at = now - timedelta(days=day, hours=n)
            VisitFactory(website=website, source=source, medium=medium, campaign=campaign, started_at=at)
            VisitFactory(website=website, source=source, medium=medium, campaign=campaign, started_at=at)
            CallFactory(tracker=trackers[n % 3], source=source, medium=medium, campaign=campaign, started_at=at,
                        answered_at=None if n % 4 == 3 else at, status="no-answer" if n % 4 == 3 else "completed",
                        is_first_time_caller=n % 2 == 0)


@pytest.mark.browser
def test_marketer_logs_in_through_the_form_and_sees_the_overview(transactional_db, live_server, chromium):
    _seed()
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{live_server.url}/dashboard/")
    assert "/accounts/login/" in page.url
    page.fill("input[name=username]", "browser-marketer")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.locator("h1").first.inner_text() == "Overview"
    assert page.locator("svg.chart rect.answered").count() > 0
    assert "google / cpc" in page.locator("body").inner_text()
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(ARTIFACTS / "overview-mobile.png"), full_page=True)
    page.goto(f"{live_server.url}/dashboard/calls/")
    page.screenshot(path=str(ARTIFACTS / "calls-mobile.png"), full_page=True)
    # The other pages, for a human look at test-artifacts/.
    page.set_viewport_size({"width": 1280, "height": 900})
    for name, path in [("calls", "/dashboard/calls/"), ("reports", "/dashboard/reports/"),
                       ("pools", "/dashboard/pools/"), ("install", "/dashboard/websites/")]:
        page.goto(f"{live_server.url}{path}")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.click("text=Pools")
    page.click("text=Main line")
    page.screenshot(path=str(ARTIFACTS / "pool-detail.png"), full_page=True)
    page.goto(f"{live_server.url}/dashboard/calls/")
    page.locator("table.calls tbody a").first.click()  # the header links sort
    assert page.locator("h2", has_text="Visitor journey").count() == 1
    page.screenshot(path=str(ARTIFACTS / "call-detail.png"), full_page=True)
    context.close()
    assert (ARTIFACTS / "overview.png").stat().st_size > 10_000

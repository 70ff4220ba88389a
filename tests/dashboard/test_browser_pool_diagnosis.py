"""Real Chromium: the pool page of a stuck automated pool explains why it is not activating (screenshot)."""

from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Membership
from tests.dashboard.test_pool_detail import _stuck_pool
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WebsiteFactory

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
def test_the_pool_page_explains_a_stuck_pool(transactional_db, live_server, chromium):
    account = AccountFactory(name="Acme Plumbing")
    MembershipFactory(account=account, user=UserFactory(username="browser-marketer"), role=Membership.Role.MARKETER)
    pool, _ = _stuck_pool(account, WebsiteFactory(account=account, name="acme.example"), timezone.now())
    ARTIFACTS.mkdir(exist_ok=True)
    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/?next=/dashboard/pools/{pool.pk}/")
    page.fill("input[name=username]", "browser-marketer")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/pools/{pool.pk}/")

    why = page.locator("#why-not-activating")
    assert why.is_visible()
    assert "newsletter / email" in why.locator("tr.waiting").inner_text()
    assert "frees up" in why.locator("tr.waiting").inner_text()
    assert "bing / cpc" in why.locator("table.below").inner_text()
    assert page.locator("p.ok").count() == 0  # never shown as healthy
    assert page.locator("p.warn").first.is_visible()
    page.screenshot(path=str(ARTIFACTS / "pool-not-activating.png"), full_page=True)

    page.goto(f"{live_server.url}/dashboard/pools/")
    assert page.locator("#which-pool-type").is_visible()
    page.screenshot(path=str(ARTIFACTS / "pool-type-guide.png"), full_page=True)
    context.close()

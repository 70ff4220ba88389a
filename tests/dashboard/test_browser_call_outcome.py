"""Real Chromium: a marketer sets a call's outcome with the keyboard only (Tab, arrows, typing, Ctrl+Enter)."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Membership
from calls.models import Call, CallOutcomeChange, ConversionRule
from tests.factories import (
    AccountFactory,
    CallFactory,
    CallTrackerFactory,
    MembershipFactory,
    PoolFactory,
    UserFactory,
    WebsiteFactory,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.mark.browser
def test_outcome_form_works_from_the_keyboard(transactional_db, live_server, chromium):
    account = AccountFactory(name="Acme Plumbing")
    user = UserFactory(username="keyboard-marketer")
    MembershipFactory(account=account, user=user, role=Membership.Role.MARKETER)
    website = WebsiteFactory(account=account, name="acme.example")
    ConversionRule.objects.create(website=website, min_seconds=30, value=Decimal("80"))
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    now = timezone.now()
    call = CallFactory(tracker=tracker, status="completed", answered_at=now, talk_seconds=12, source="google", medium="cpc")

    context = chromium.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "keyboard-marketer")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.goto(f"{live_server.url}/dashboard/calls/{call.pk}/")
    assert "Not a conversion" in page.locator("#outcome").inner_text()

    page.focus("#outcome-first")          # "Not set", checked by default
    page.keyboard.press("ArrowRight")     # → Lead (arrow keys move within the radio group)
    page.keyboard.press("Tab")            # → value
    page.keyboard.type("150")
    page.keyboard.press("Tab")            # → note
    page.keyboard.type("Wants a quote for a boiler")
    page.keyboard.press("Control+Enter")  # saves
    page.wait_for_selector("text=Saved. This call counts as a conversion.")

    call = Call.objects.get(pk=call.pk)
    assert (call.outcome, call.value, call.note, call.is_conversion) == ("lead", Decimal("150"), "Wants a quote for a boiler", True)
    assert CallOutcomeChange.objects.get(call=call).actor == user
    assert "Counts as a conversion" in page.locator("#outcome").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "call-outcome.png"), full_page=True)
    context.close()

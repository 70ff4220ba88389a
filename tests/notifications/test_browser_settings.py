"""The notification settings page and the schedule form in real Chromium at 1366 and 390 px: nothing wider than
the viewport or its card, axe finds no serious or critical violation. Saves screenshots for the closing note."""

import os
from pathlib import Path

import pytest
from django.test import Client

from notifications.services import scheduled_report_create
from tests.dashboard.test_browser_layout import OVERFLOW_JS
from tests.factories import MembershipFactory, UserFactory

SHOTS = Path(os.environ.get("SHOTS_DIR", ""))
WIDTHS = {"desktop": 1366, "phone": 390}


@pytest.mark.browser
def test_notification_pages_fit_both_widths_and_pass_axe(transactional_db, live_server, chromium, account, website):
    from axe_playwright_python.sync_playwright import Axe

    user = UserFactory(username="dana", email="dana@example.com")
    MembershipFactory(account=account, user=user, role="admin")
    scheduled_report_create(account=account, actor=None, name="Weekly sources for the agency",
                            dimension="source_medium", frequency="weekly",
                            recipients=["boss@example.com", "someone.with.a.long.address@agency.example.com"])
    client = Client()
    client.force_login(user)
    problems = []
    for width in WIDTHS.values():
        context = chromium.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        for name, path in {"settings": "/dashboard/notifications/",
                           "schedule": "/dashboard/notifications/reports/new?dimension=campaign"}.items():
            assert page.goto(f"{live_server.url}{path}").status == 200
            fit = page.evaluate(OVERFLOW_JS)
            if fit["page"] > fit["viewport"] or fit["cards"]:
                problems.append(f"{name} at {width}px: {fit}")
            serious = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
            problems.extend(f"{name} at {width}px: axe {v['id']}: {v['help']}" for v in serious)
            if os.environ.get("SHOTS_DIR"):
                page.screenshot(path=str(SHOTS / f"h3-notifications-{name}-{width}.png"), full_page=True)
        context.close()
    assert problems == []

"""The integrations page with ad platforms, as an account admin sees it (forms, results, errors): fits at 1366 and
390 px without sideways scrolling, and axe finds no serious or critical violation. SCREENSHOTS=<prefix> saves
pictures to /work/wt/shots (the closing note's)."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from integrations.ad_services import ad_connection_save
from integrations.models import AdConversionUpload, AdPlatformConnection
from tests.dashboard.test_browser_layout import OVERFLOW_JS, WIDTHS
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory


@pytest.mark.browser
def test_integrations_page_with_ad_platforms_fits_and_passes_axe(transactional_db, live_server, chromium, settings,
                                                                  account, website, account_admin):
    from axe_playwright_python.sync_playwright import Axe

    settings.GOOGLE_ADS_CLIENT_ID, settings.GOOGLE_ADS_DEVELOPER_TOKEN = "cid", "dev"
    ad_connection_save(account=account, platform="meta", token="EAABsecrettoken", customer_id="987654321",
                       conversion="Lead")
    ad_connection_save(account=account, platform="microsoft_ads", token="M.refresh", customer_id="149123456",
                       manager_id="251123456", conversion="Phone call")
    call = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True),
                       started_at=timezone.now() - timedelta(minutes=30))
    AdConversionUpload.objects.create(account=account, call=call, platform="meta", status="failed", attempts=1,
                                      error="OAuthException 190: Error validating access token: Session has expired.")
    AdConversionUpload.objects.create(account=account, call=call, platform="microsoft_ads", status="sent", attempts=1)
    AdPlatformConnection.objects.filter(platform="meta").update(
        last_result=f"call {call.pk}: OAuthException 190: Error validating access token: Session has expired.",
        last_result_at=timezone.now())
    client = Client()
    client.force_login(account_admin)
    cookie = {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}
    shots = os.environ.get("SCREENSHOTS", "")
    axe, problems = Axe(), []
    for width in WIDTHS.values():
        context = chromium.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([cookie])
        page = context.new_page()
        for name, path in (("integrations", "/dashboard/integrations/"), ("call", f"/dashboard/calls/{call.pk}/")):
            assert page.goto(f"{live_server.url}{path}").status == 200
            assert page.locator("text=Session has expired.").count() >= 1
            fit = page.evaluate(OVERFLOW_JS)
            if fit["page"] > fit["viewport"]:
                problems.append(f"{name} {width}px: page {fit['page']} > {fit['viewport']}")
            problems.extend(f"{name} {width}px: card overflows: {card}" for card in fit["cards"])
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    problems.append(f"{name} {width}px: axe {violation['id']}: {violation['help']}")
            if shots:
                Path("/work/wt/shots").mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"/work/wt/shots/{shots}-{name}-{width}.png", full_page=True)
        context.close()
    assert not problems, "\n".join(problems)

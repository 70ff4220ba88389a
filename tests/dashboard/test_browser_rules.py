"""The automation rules pages and a call page's rule trace in real Chromium at 1366 px and 390 px: they fit (no
sideways scrolling), log no console errors and axe finds nothing serious. `RULES_SHOTS=<dir>` saves screenshots."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from automation.models import RuleApplyJob
from automation.services import rule_apply_run, rule_create, rules_run
from calls.outcomes import call_mark
from core.actors import Actor
from tests.dashboard.test_browser_layout import OVERFLOW_JS, WIDTHS
from tests.factories import (
    AccountFactory,
    CallFactory,
    CallTrackerFactory,
    MembershipFactory,
    PoolFactory,
    UserFactory,
    WebsiteFactory,
)


def _seed():
    account = AccountFactory(name="Demo Co", timezone="America/New_York")
    user = UserFactory(username="marketer")
    MembershipFactory(account=account, user=user, role="marketer")
    pool = PoolFactory(account=account, website=WebsiteFactory(account=account, key="demo"), name="Main line")
    tracker = CallTrackerFactory(pool=pool, active=True, source="google", medium="cpc")
    now = timezone.now()
    calls = [CallFactory(tracker=tracker, talk_seconds=talk, answered_at=now - timedelta(hours=i), source="google",
                         medium="cpc", campaign="spring-sale", caller_number=f"+1415555{i:04d}", caller_region="CA",
                         landing_page="https://www.example.com/services/emergency-plumbing?utm_source=google",
                         started_at=now - timedelta(hours=i, minutes=1)) for i, talk in enumerate((95, 20, 240, 8))]
    call_mark(call=calls[0], actor=Actor.person(user, via="dashboard"), outcome="sale")
    rule_create(account=account, name="Long paid calls", conditions=[
        {"field": "talk_seconds", "op": "gte", "value": 60}, {"field": "medium", "op": "in", "value": ["cpc", "ppc"]},
        {"field": "landing_page", "op": "contains", "value": "/services/emergency-plumbing"}],
        actions=[{"type": "add_tag", "value": "qualified lead"}, {"type": "set_outcome", "value": "lead"},
                 {"type": "set_score", "value": 4}, {"type": "notify", "value": ["sales-team@example.com"]}])
    rule_create(account=account, name="After-hours callers from California", conditions=[
        {"field": "business_hours", "op": "eq", "value": "out"}, {"field": "caller_region", "op": "eq", "value": "CA"}],
        actions=[{"type": "add_tag", "value": "after hours"}])
    rule_create(account=account, name="Robocalls", enabled=False,
                conditions=[{"field": "talk_seconds", "op": "lte", "value": 10}, {"field": "said", "op": "contains", "value": "press one"}],
                actions=[{"type": "mark_spam"}])
    for call in calls:
        rules_run(call_id=call.pk, trigger="completed")
    job = RuleApplyJob.objects.create(account=account, rule_id=account.automation_rules.first().pk,
                                      start_date=(now - timedelta(days=29)).date(), end_date=now.date(),
                                      actor_label="marketer (dashboard)", created_at=now)
    rule_apply_run(job_id=job.pk)
    return account, calls[0]


@pytest.mark.browser
def test_rules_pages_and_the_call_trace_fit_and_pass_axe(transactional_db, live_server, chromium):
    from axe_playwright_python.sync_playwright import Axe

    account, call = _seed()
    rule = account.automation_rules.first()
    pages = {"rules": "/dashboard/rules/", "rule-edit": f"/dashboard/rules/{rule.pk}/", "rule-new": "/dashboard/rules/new",
             "call-trace": f"/dashboard/calls/{call.pk}/"}
    shots = os.environ.get("RULES_SHOTS", "")
    client = Client()
    client.force_login(get_user_model().objects.get(username="marketer"))
    axe, problems, errors = Axe(), [], []
    for width in WIDTHS.values():
        context = chromium.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
        page = context.new_page()
        page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
        for name, path in pages.items():
            errors.clear()
            assert page.goto(f"{live_server.url}{path}").status == 200, name
            fit = page.evaluate(OVERFLOW_JS)
            if fit["page"] > fit["viewport"]:
                problems.append(f"{name} at {width}px: {fit['page']} px wide")
            problems.extend(f"{name} at {width}px: card overflows: {card}" for card in fit["cards"])
            problems.extend(f"{name} at {width}px: console {error}" for error in errors)
            for violation in axe.run(page).response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    problems.append(f"{name} at {width}px: axe {violation['id']}: {violation['help']}")
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                if name == "call-trace":
                    page.locator("#rules").scroll_into_view_if_needed()
                    page.screenshot(path=f"{shots}/h4-{name}-{width}.png", full_page=False)
                else:
                    page.screenshot(path=f"{shots}/h4-{name}-{width}.png", full_page=True)
        context.close()
    assert not problems, "\n".join(problems)

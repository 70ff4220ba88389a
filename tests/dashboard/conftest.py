from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import (
    CallFactory,
    CallTrackerFactory,
    PoolFactory,
    VisitFactory,
    WebsiteFactory,
)


@pytest.fixture
def exact_counts(monkeypatch):
    """The calls log's count gets COUNT_BUDGET_MS (20 ms) in production and says "many" past it; tests that read the
    exact count ("1–25 of 57 calls") give it room, so a loaded CI machine does not turn them into "many"."""
    from dashboard.selectors import calls as call_selectors

    monkeypatch.setattr(call_selectors, "COUNT_BUDGET_MS", 5000)


@pytest.fixture
def pool(account, website):
    return PoolFactory(account=account, website=website, name="Main line", tracking="visitor")


@pytest.fixture
def tracker(pool):
    return CallTrackerFactory(pool=pool, active=True, source="google", medium="cpc")


@pytest.fixture
def visit(website):
    return VisitFactory(website=website, source="google", medium="cpc", campaign="spring-sale", term="emergency plumber",
                        landing_page="https://alice.example.com/drains", gclid="Cj0KCQalice",
                        started_at=timezone.now() - timedelta(hours=2))


@pytest.fixture
def call(tracker, visit):
    return CallFactory(tracker=tracker, visit=visit, caller_number="+14155550111", source="google", medium="cpc",
                       campaign="spring-sale", term="emergency plumber", landing_page=visit.landing_page,
                       gclid=visit.gclid, attribution_method="lease", attribution_confidence=1.0,
                       started_at=timezone.now() - timedelta(hours=1), answered_at=timezone.now() - timedelta(hours=1),
                       talk_seconds=95)


@pytest.fixture
def other_call(other_account):
    """Another account's call with recognisable values that must never show up for `account`."""
    other_site = WebsiteFactory(account=other_account, name="Bob site")
    other_pool = PoolFactory(account=other_account, website=other_site, name="Bob secret pool")
    other_tracker = CallTrackerFactory(pool=other_pool, active=True, source="bobsource", medium="bobmedium")
    VisitFactory(website=other_site, source="bobsource", medium="bobmedium", campaign="bob-campaign")
    return CallFactory(tracker=other_tracker, caller_number="+16465550199", source="bobsource", medium="bobmedium",
                       campaign="bob-campaign", started_at=timezone.now() - timedelta(hours=1))

"""Attribution models (SPEC "Attribution", `?model=`): last session, first touch, linear over the visitor's sessions
in a 30-day lookback. The split between rows differs; the totals never do."""

import random
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.attribution_models import FIRST, LAST, LINEAR, MODELS, touch_shares
from reports.selectors import report_row_list, report_window
from reports.services import rollup_refresh
from tests.api.conftest import _client, error
from tests.factories import (
    CallFactory,
    CallTrackerFactory,
    PoolFactory,
    VisitFactory,
    VisitorFactory,
    WebsiteFactory,
)


def test_touch_shares():
    assert touch_shares(model=FIRST, touches=["a", "b", "c"]) == [("a", 1)]
    assert touch_shares(model=LAST, touches=["a", "b", "c"]) == [("c", 1)]
    assert touch_shares(model=LINEAR, touches=["a", "b", "c"]) == [(t, Fraction(1, 3)) for t in "abc"]
    assert touch_shares(model=LINEAR, touches=[]) == []


@pytest.fixture
def journeys(account, website):
    """Visitor 1: an old visit outside the lookback, then facebook → organic → the paid click that showed the
    number, and a converting call worth 90. Visitor 2: one bing click and a missed call. A source-pool call
    (no visitor) from offline. Another account's visitor calls too."""
    now = timezone.now()
    pool = PoolFactory(account=account, website=website, tracking="visitor")
    tracker = CallTrackerFactory(pool=pool, active=True)
    one = VisitorFactory(website=website)
    VisitFactory(website=website, visitor=one, source="old", medium="referral", started_at=now - timedelta(days=45))
    VisitFactory(website=website, visitor=one, source="facebook", medium="social", started_at=now - timedelta(days=10))
    VisitFactory(website=website, visitor=one, source="google", medium="organic", started_at=now - timedelta(days=5))
    VisitFactory(website=website, visitor=one, source="crawler", medium="referral", is_bot=True, started_at=now - timedelta(days=4))
    paid = VisitFactory(website=website, visitor=one, source="google", medium="cpc", started_at=now - timedelta(hours=3))
    CallFactory(tracker=tracker, visit=paid, source="google", medium="cpc", started_at=now - timedelta(hours=2),
                answered_at=now - timedelta(hours=2), talk_seconds=120, is_conversion=True, conversion_value=Decimal("90"))
    two = VisitorFactory(website=website)
    bing = VisitFactory(website=website, visitor=two, source="bing", medium="cpc", started_at=now - timedelta(hours=5))
    CallFactory(tracker=tracker, visit=bing, source="bing", medium="cpc", started_at=now - timedelta(hours=4),
                status="no-answer", duration_seconds=30)
    source_pool = PoolFactory(account=account, website=website, tracking="source")
    CallFactory(tracker=CallTrackerFactory(pool=source_pool, active=True, source="billboard", medium="offline"),
                source="billboard", medium="offline", started_at=now - timedelta(hours=1))
    other_site = WebsiteFactory()
    stranger = VisitFactory(website=other_site, source="stranger", medium="cpc", started_at=now - timedelta(hours=3))
    CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=other_site.account, website=other_site), active=True),
                visit=stranger, source="stranger", medium="cpc", started_at=now - timedelta(hours=2))
    return now


def _rows(account, model, dimension="source_medium"):
    today = timezone.now().astimezone(__import__("zoneinfo").ZoneInfo(account.timezone)).date()
    window = report_window(account=account, start_date=today - timedelta(days=60), end_date=today)
    return {row.key: row for row in report_row_list(window=window, dimension=dimension, model=model)}


def test_each_model_credits_the_right_visits(account, journeys):
    last, first, linear = (_rows(account, model) for model in (LAST, FIRST, LINEAR))
    assert {k: r.calls for k, r in last.items() if r.calls} == {("google", "cpc"): 1, ("bing", "cpc"): 1, ("billboard", "offline"): 1}
    assert {k: r.calls for k, r in first.items() if r.calls} == {("facebook", "social"): 1, ("bing", "cpc"): 1, ("billboard", "offline"): 1}
    third = pytest.approx(1 / 3, abs=0.01)
    assert {k: r.calls for k, r in linear.items() if r.calls} == {
        ("facebook", "social"): third, ("google", "organic"): third, ("google", "cpc"): third,
        ("bing", "cpc"): 1, ("billboard", "offline"): 1}
    assert first[("facebook", "social")].value == Decimal("90.00") and first[("facebook", "social")].conversions == 1
    assert linear[("google", "organic")].value == Decimal("30.00")
    assert linear[("bing", "cpc")].missed == 1 and first[("bing", "cpc")].missed == 1
    assert ("old", "referral") not in first or first[("old", "referral")].calls == 0  # outside the 30-day lookback
    assert ("crawler", "referral") not in linear  # bots get no credit (and are no visits)
    assert ("stranger", "cpc") not in linear and ("stranger", "cpc") not in first
    # Visits are visits in every model.
    assert {k: r.visits for k, r in first.items()} == {k: r.visits for k, r in last.items()}


@pytest.mark.parametrize("dimension", ["source_medium", "channel", "campaign", "term", "landing_page", "pool", "tracker"])
def test_totals_are_the_same_in_every_model(account, journeys, dimension):
    totals = {}
    for model in MODELS:
        rows = _rows(account, model, dimension).values()
        totals[model] = (round(sum(r.calls for r in rows), 6), round(sum(r.conversions for r in rows), 6),
                         sum(r.value for r in rows), round(sum(r.missed for r in rows), 6), sum(r.visits or 0 for r in rows))
    assert totals[FIRST] == totals[LAST] == totals[LINEAR], totals


def test_totals_stay_equal_on_generated_journeys(account, website):
    """Many visitors with random sessions and calls: every model adds up to the same calls, conversions and value."""
    rnd = random.Random(7)
    now = timezone.now()
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website, tracking="visitor"), active=True)
    sources = [("google", "cpc"), ("google", "organic"), ("facebook", "social"), ("", ""), ("newsletter", "email")]
    calls = 0
    for _ in range(25):
        visitor = VisitorFactory(website=website)
        visits = []
        for _ in range(rnd.randint(1, 5)):
            source, medium = rnd.choice(sources)
            visits.append(VisitFactory(website=website, visitor=visitor, source=source, medium=medium,
                                       started_at=now - timedelta(days=rnd.uniform(0.2, 50))))
        for _ in range(rnd.randint(0, 2)):
            visit = rnd.choice(visits)
            converting = rnd.random() < 0.5
            CallFactory(tracker=tracker, visit=visit, source=visit.source, medium=visit.medium,
                        started_at=min(now - timedelta(minutes=5), visit.started_at + timedelta(minutes=rnd.randint(1, 600))),
                        is_conversion=converting, conversion_value=Decimal(rnd.randint(1, 99)) if converting else Decimal(0))
            calls += 1
    sums = {}
    for model in MODELS:
        rows = _rows(account, model).values()
        sums[model] = (round(sum(r.calls for r in rows), 6), round(sum(r.conversions for r in rows), 6),
                       sum(r.value for r in rows))
    assert sums[LAST][0] == calls
    assert sums[FIRST] == sums[LAST]
    assert sums[LINEAR][0] == calls and sums[LINEAR][1] == sums[LAST][1]
    assert abs(sums[LINEAR][2] - sums[LAST][2]) <= Decimal("0.01") * len(rows)  # rows round to cents


def test_models_read_the_same_with_a_rollup(account, journeys):
    """Days already rolled up are read from the raw tables under first/linear: same rows as without the rollup."""
    before = {model: _rows(account, model) for model in MODELS}
    rollup_refresh(account=account, full=True)
    after = {model: _rows(account, model) for model in MODELS}
    assert after == before


def test_api_takes_model(account, journeys):
    api_client = _client(account, "read")
    body = api_client.get("/api/v1/reports/source_medium/?model=linear").json()
    assert body["model"] == "linear"
    calls = {tuple(row["key"]): row["calls"] for row in body["rows"]}
    assert calls[("facebook", "social")] == 0.33 and calls[("bing", "cpc")] == 1 and isinstance(calls[("bing", "cpc")], int)
    first = api_client.get("/api/v1/reports/source_medium/?model=first").json()
    assert {tuple(row["key"]): row["calls"] for row in first["rows"]}[("facebook", "social")] == 1
    assert api_client.get("/api/v1/reports/source_medium/").json()["model"] == "last"
    bad = api_client.get("/api/v1/reports/source_medium/?model=position")
    assert bad.status_code == 400 and "model" in error(bad).get("fields", {})


def test_report_page_offers_the_models(marketer_client, account, journeys):
    url = reverse("dashboard:report", args=["source_medium"])
    page = marketer_client.get(url, {"range": "90", "model": "first"})
    assert page.status_code == 200 and page.context["model"] == "first"
    labels = [item.row.label for item in page.context["rows"] if item.row.calls]
    assert "facebook / social" in labels and "google / cpc" not in labels
    assert all(item.drill is None for item in page.context["rows"])
    body = page.content.decode()
    assert '<option value="first" selected>First touch</option>' in body and "model=first" in body
    last = marketer_client.get(url, {"range": "90"})
    assert any(item.drill for item in last.context["rows"])
    assert marketer_client.get(url, {"range": "90", "model": "nonsense"}).context["model"] == "last"
    csv = marketer_client.get(reverse("dashboard:report_csv", args=["source_medium"]), {"range": "90", "model": "linear"})
    assert "report-source_medium-linear-" in csv["Content-Disposition"]
    assert "0.33" in (b"".join(csv.streaming_content) if csv.streaming else csv.content).decode()


def test_call_page_shows_each_visits_credit(marketer_client, account, journeys):
    from calls.models import Call

    call = Call.objects.get(account=account, source="google", medium="cpc")
    page = marketer_client.get(reverse("dashboard:call_detail", args=[call.pk]))
    credit = {visit.source: visit.credit for visit in page.context["journey"]}
    assert credit["facebook"] == {"First touch": 1.0, "Linear": pytest.approx(1 / 3)}
    assert credit["google"] in ({"Linear": pytest.approx(1 / 3), "Last session": 1.0}, {"Linear": pytest.approx(1 / 3)})
    assert credit["old"] == {}
    body = page.content.decode()
    assert "Credit for this call: First touch 100% · Linear 33%" in body

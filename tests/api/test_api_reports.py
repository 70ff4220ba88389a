from decimal import Decimal

import pytest
from django.utils import timezone

from tests.api.conftest import error
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, TagFactory, VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(account, website):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    for _ in range(4):
        VisitFactory(website=website, source="google", medium="cpc")
    CallFactory(tracker=tracker, source="google", medium="cpc", started_at=timezone.now(), is_conversion=True,
                conversion_value=Decimal("12.50"))
    CallFactory(tracker=tracker, source="google", medium="cpc", started_at=timezone.now())
    return tracker


def test_source_medium_report(api_client, data):
    response = api_client.get("/api/v1/reports/source_medium/")
    assert response.status_code == 200
    body = response.json()
    row = next(row for row in body["rows"] if row["key"] == ["google", "cpc"])
    assert (row["calls"], row["visits"], row["conversions"], row["value"]) == (2, 4, 1, "12.50")
    assert (row["conversion_rate"], row["calls_per_visit"]) == (0.25, 0.5)  # conversions ÷ visits; calls ÷ visits
    assert body["dimension"] == "source_medium"


def test_pool_report_has_no_visits(api_client, data):
    rows = api_client.get("/api/v1/reports/pool/").json()["rows"]
    assert rows[0]["calls"] == 2 and rows[0]["visits"] is None


def test_unknown_dimension_gets_400(api_client):
    response = api_client.get("/api/v1/reports/color/")
    assert response.status_code == 400
    assert "dimension" in error(response)["fields"]


def test_end_before_start_gets_400(api_client):
    response = api_client.get("/api/v1/reports/campaign/?start=2026-02-01&end=2026-01-01")
    assert response.status_code == 400
    assert "end" in error(response)["fields"]


def test_other_account_sees_no_rows(other_client, data):
    assert other_client.get("/api/v1/reports/source_medium/").json()["rows"] == []
    assert other_client.get("/api/v1/reports/source_medium/?website=alicesite").status_code == 404


def test_anonymous_gets_401(anon_client):
    assert anon_client.get("/api/v1/reports/pool/").status_code == 401


def test_post_gets_405(api_client):
    assert api_client.post("/api/v1/reports/pool/").status_code == 405


def test_channel_report(api_client, data, website):
    VisitFactory(website=website, source="facebook", medium="social")
    rows = {tuple(row["key"]): (row["calls"], row["visits"]) for row in api_client.get("/api/v1/reports/channel/").json()["rows"]}
    assert rows == {("Paid Search",): (2, 4), ("Organic Social",): (0, 1)}


def test_landing_page_report_groups_by_page(api_client, account, website):
    for n in range(3):
        VisitFactory(website=website, landing_page=f"https://alice.example.com/contact?gclid={n}")
    rows = api_client.get("/api/v1/reports/landing_page/").json()["rows"]
    assert [(row["key"], row["visits"]) for row in rows] == [(["alice.example.com/contact"], 3)]


def test_channel_report_of_another_account_is_empty(api_client, other_account):
    from tests.factories import WebsiteFactory

    VisitFactory(website=WebsiteFactory(account=other_account), source="google", medium="cpc")
    assert api_client.get("/api/v1/reports/channel/").json()["rows"] == []


def test_tag_report(api_client, data, account):
    CallFactory(tracker=data, started_at=timezone.now(), is_conversion=True,
                conversion_value=Decimal("40")).tags.add(TagFactory(account=account, name="booked"))
    body = api_client.get("/api/v1/reports/tag/").json()
    rows = {tuple(row["key"]): row for row in body["rows"]}
    assert (rows[("booked",)]["calls"], rows[("booked",)]["conversions"], rows[("booked",)]["value"]) == (1, 1, "40.00")
    assert rows[("",)]["calls"] == 2 and rows[("",)]["visits"] is None

import pytest
from django.utils import timezone

from tests.api.conftest import error
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(account, website):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    for _ in range(4):
        VisitFactory(website=website, source="google", medium="cpc")
    CallFactory(tracker=tracker, source="google", medium="cpc", started_at=timezone.now())
    CallFactory(tracker=tracker, source="google", medium="cpc", started_at=timezone.now())
    return tracker


def test_source_medium_report(api_client, data):
    response = api_client.get("/api/v1/reports/source_medium/")
    assert response.status_code == 200
    body = response.json()
    row = next(row for row in body["rows"] if row["key"] == ["google", "cpc"])
    assert (row["calls"], row["visits"], row["conversion_rate"]) == (2, 4, 0.5)
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

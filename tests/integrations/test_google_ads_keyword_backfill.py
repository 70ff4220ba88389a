"""While Google Ads is connected, a daily task reads click_view for the last days' auto-tagged clicks without a
keyword and fills the keyword on the visit and its calls ("(not set)" disappears without a tracking template), then
rolls those days' reports up again."""

import json
from datetime import UTC, date, datetime

import pytest
import responses

from integrations import ad_platforms as ap
from integrations.ad_services import ad_connection_save, google_ads_keyword_backfill_all
from integrations.models import AdPlatformConnection
from reports.models import ReportDay, RollupState
from reports.services import rollup_refresh
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory

pytestmark = pytest.mark.django_db

SEARCH = "https://googleads.googleapis.com/v26/customers/1234567890/googleAds:search"
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def connected(settings, account):
    settings.GOOGLE_ADS_CLIENT_ID, settings.GOOGLE_ADS_CLIENT_SECRET = "cid", "secret"
    settings.GOOGLE_ADS_DEVELOPER_TOKEN = "dev-token"
    return ad_connection_save(account=account, platform="google_ads", token="1//r", customer_id="123-456-7890",
                              conversion="customers/1234567890/conversionActions/5")


def _row(gclid, keyword, ad_group="Plumbers"):
    row = {"clickView": {"gclid": gclid, "resourceName": f"customers/1234567890/clickViews/2026-12-02~{gclid}"},
           "adGroup": {"resourceName": "customers/1234567890/adGroups/1", "name": ad_group},
           "campaign": {"resourceName": "customers/1234567890/campaigns/1", "name": "Search"}}
    if keyword:
        row["clickView"]["keywordInfo"] = {"text": keyword, "matchType": "PHRASE"}
    return row


@responses.activate
def test_keywords_fill_visits_and_calls_without_one(connected, account, website):
    responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29"})
    day = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    not_set = VisitFactory(website=website, gclid="G1", term="(not set)", started_at=day)
    empty = VisitFactory(website=website, gclid="G2", term="", started_at=day)
    tagged = VisitFactory(website=website, gclid="G3", term="emergency plumber", started_at=day)
    pmax = VisitFactory(website=website, gclid="G4", term="", started_at=day)
    call = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True),
                       visit=not_set, term="(not set)", started_at=day)
    page1 = responses.post(SEARCH, json={"results": [_row("G1", "plumber near me"), _row("G9", "other")],
                                         "nextPageToken": "p2"})
    responses.post(SEARCH, json={"results": [_row("G2", "boiler repair"), _row("G3", "should not overwrite"),
                                             _row("G4", "")]})
    assert google_ads_keyword_backfill_all(now=NOW) == 2

    first, second = [json.loads(c.request.body) for c in responses.calls if c.request.url == SEARCH]
    assert first == {"query": "SELECT click_view.gclid, click_view.keyword_info.text, click_view.keyword_info.match_type, "
                              "ad_group.name, campaign.name FROM click_view WHERE segments.date = '2026-12-02'"}
    assert second["pageToken"] == "p2"
    assert page1.calls[0].request.headers["developer-token"] == "dev-token"
    assert page1.calls[0].request.headers["Authorization"] == "Bearer ya29"
    for visit, term in ((not_set, "plumber near me"), (empty, "boiler repair"), (tagged, "emergency plumber"), (pmax, "")):
        visit.refresh_from_db()
        assert visit.term == term
    call.refresh_from_db()
    assert call.term == "plumber near me"


@responses.activate
def test_days_without_such_visits_ask_google_nothing(connected, website):
    VisitFactory(website=website, gclid="", term="", started_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    assert google_ads_keyword_backfill_all(now=NOW) == 0
    assert not responses.calls


@responses.activate
def test_a_google_error_is_the_connections_last_result(connected, account, website):
    VisitFactory(website=website, gclid="G1", term="", started_at=datetime(2026, 12, 1, 15, 0, tzinfo=UTC))
    responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29"})
    responses.post(SEARCH, status=403, json={"error": {"code": 403, "message": "The caller does not have permission",
                                                       "status": "PERMISSION_DENIED"}})
    assert google_ads_keyword_backfill_all(now=NOW) == 0
    connected.refresh_from_db()
    assert connected.last_result == "keyword backfill: The caller does not have permission"
    assert AdPlatformConnection.objects.get(pk=connected.pk).last_success_at is None


@responses.activate
def test_the_filled_days_are_rolled_up_again(connected, account, website):
    """The day's keyword report was rolled up with "(not set)": after the backfill it counts the call and the visit
    under the keyword Google gave (reports.services.rollup_refresh_days)."""
    account.timezone = "UTC"
    account.save(update_fields=["timezone"])
    day = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    visit = VisitFactory(website=website, gclid="G1", term="(not set)", started_at=day)
    CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True),
                visit=visit, term="(not set)", started_at=day)
    rollup_refresh(account=account, through=date(2026, 12, 3))

    def keyword_rows():
        return dict(ReportDay.objects.filter(account=account, dimension="term", day=date(2026, 12, 2))
                    .values_list("key1", "calls"))

    assert keyword_rows() == {"(not set)": 1}
    responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29"})
    responses.post(SEARCH, json={"results": [_row("G1", "plumber near me")]})

    assert google_ads_keyword_backfill_all(now=NOW) == 1

    assert keyword_rows() == {"plumber near me": 1}
    assert RollupState.objects.get(account=account).rolled_through >= date(2026, 12, 3)


@responses.activate
def test_days_not_rolled_up_yet_are_left_to_the_live_reports(connected, account, website):
    VisitFactory(website=website, gclid="G1", term="", started_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    responses.post(ap.GOOGLE_TOKEN_URL, json={"access_token": "ya29"})
    responses.post(SEARCH, json={"results": [_row("G1", "plumber near me")]})

    assert google_ads_keyword_backfill_all(now=NOW) == 1
    assert not ReportDay.objects.exists()  # never rolled: nothing to re-roll (reports read those days live)

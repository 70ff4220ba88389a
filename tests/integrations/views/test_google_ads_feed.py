from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory
from tests.integrations.factories import GoogleAdsSettingsFactory

pytestmark = pytest.mark.django_db


def test_feed_serves_the_accounts_csv(client, account, website):
    ads = GoogleAdsSettingsFactory(account=account)
    visit = VisitFactory(website=website, gclid="GCLID1", started_at=timezone.now() - timedelta(hours=1))
    CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True), visit=visit,
                is_conversion=True)
    response = client.get(f"/integrations/google-ads/{ads.feed_token}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content.decode()
    assert body.startswith("Parameters:TimeZone=America/New_York\n") and "GCLID1" in body


def test_unknown_token_gets_404(client, account):
    GoogleAdsSettingsFactory(account=account)
    assert client.get("/integrations/google-ads/guess.csv").status_code == 404


def test_post_gets_405(client, account):
    ads = GoogleAdsSettingsFactory(account=account)
    assert client.post(f"/integrations/google-ads/{ads.feed_token}.csv").status_code == 405

"""Offline numbers (issue 22 #5): a call to a number printed on a billboard, through the signed voice webhook, is
attributed to the pool's source/medium without a visit, and the channel report shows it under "Offline"."""

import pytest
from rest_framework.test import APIClient

from api.services import api_token_create
from calls.models import Call
from tests.calls.payloads import voice_payload
from tests.factories import CallTrackerFactory, PoolFactory, VisitFactory

URL = "/telephony/twilio/voice"
pytestmark = pytest.mark.django_db


@pytest.fixture
def billboard(account, website):
    pool = PoolFactory(account=account, website=website, name="Billboard", original_number="+12025550150",
                       offline={"label": "I-25 billboard", "source": "billboard", "medium": "offline"})
    return CallTrackerFactory(pool=pool, active=True, source="", medium="")


def test_a_call_to_an_offline_number_is_attributed_to_its_placement(twilio_post, billboard, website):
    VisitFactory(website=website)  # a web visit around the same time is not what made this call
    response = twilio_post(URL, voice_payload(to=billboard.tracking_number, call_sid="CA" + "b" * 32))
    assert response.status_code == 200
    call = Call.objects.get(provider_call_id="CA" + "b" * 32)
    assert (call.source, call.medium, call.campaign, call.channel) == ("billboard", "offline", "I-25 billboard", "Offline")
    assert call.attribution_method == Call.Method.OFFLINE and call.visit is None
    assert call.attribution_confidence == 1.0


def test_the_channel_report_shows_offline_calls_under_offline_not_unassigned(twilio_post, billboard, account):
    twilio_post(URL, voice_payload(to=billboard.tracking_number, call_sid="CA" + "c" * 32))
    _, key = api_token_create(account=account, name="r", scope="read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    rows = {tuple(row["key"]): row["calls"] for row in client.get("/api/v1/reports/channel/").json()["rows"]}
    assert rows == {("Offline",): 1}
    source_rows = client.get("/api/v1/reports/source_medium/").json()["rows"]
    assert [(tuple(r["key"]), r["calls"]) for r in source_rows] == [(("billboard", "offline"), 1)]

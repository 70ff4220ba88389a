"""`traffic_filter` and `offline` through the API (issue 22 #4, #5): stored cleaned, refused where they don't apply."""

import pytest
from rest_framework.test import APIClient

from api.services import api_token_create


@pytest.fixture
def api(account):
    _, key = api_token_create(account=account, name="t", scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_visitor_pool_for_google_cpc_only(api, website):
    r = api.post("/api/v1/pools/", {"name": "Ads", "website": website.key, "original_number": "(202) 555-0100",
                                    "tracking": "visitor", "traffic_filter": {"sources": ["Google"], "mediums": ["cpc"]}},
                 format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["traffic_filter"] == {"sources": ["google"], "mediums": ["cpc"]}
    assert r.json()["offline"] is None
    listed = api.get("/api/v1/pools/").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert rows[0]["traffic_filter"] == {"sources": ["google"], "mediums": ["cpc"]}


def test_a_source_pool_cannot_choose_traffic(api, website):
    r = api.post("/api/v1/pools/", {"name": "S", "website": website.key, "original_number": "+12025550100",
                                    "traffic_filter": {"sources": ["google"]}}, format="json")
    assert r.status_code == 400 and "traffic_filter" in r.json()["error"]["fields"]


def test_an_offline_manual_pool_and_back(api, website):
    r = api.post("/api/v1/pools/", {"name": "Billboard", "website": website.key, "original_number": "+12025550100",
                                    "offline": {"label": "I-25 billboard", "source": "Billboard"}}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["offline"] == {"label": "I-25 billboard", "source": "billboard", "medium": "offline"}
    r = api.patch(f"/api/v1/pools/{r.json()['id']}/", {"offline": None}, format="json")
    assert r.status_code == 200 and r.json()["offline"] is None


def test_an_automated_pool_cannot_be_offline(api, website):
    r = api.post("/api/v1/pools/", {"name": "A", "website": website.key, "original_number": "+12025550100",
                                    "kind": "automated", "offline": {"source": "print"}}, format="json")
    assert r.status_code == 400 and "offline" in r.json()["error"]["fields"]

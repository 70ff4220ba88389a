import pytest

from tests.factories import VisitFactory, WebsiteFactory

pytestmark = pytest.mark.django_db


def test_list_and_detail(api_client, website):
    visit = VisitFactory(website=website, gclid="g1", ga_client_id="123.456")
    rows = api_client.get("/api/v1/visits/").json()["results"]
    assert [row["id"] for row in rows] == [visit.pk]
    body = api_client.get(f"/api/v1/visits/{visit.pk}/").json()
    assert (body["website"], body["gclid"], body["ga_client_id"]) == ("alicesite", "g1", "123.456")


def test_filter_by_website_key(api_client, account, website):
    VisitFactory(website=website)
    second = VisitFactory(website=WebsiteFactory(account=account, key="second"))
    rows = api_client.get("/api/v1/visits/?website=second").json()["results"]
    assert [row["id"] for row in rows] == [second.pk]


def test_other_account_gets_404_and_empty_list(other_client, website):
    visit = VisitFactory(website=website)
    assert other_client.get(f"/api/v1/visits/{visit.pk}/").status_code == 404
    assert other_client.get("/api/v1/visits/").json()["count"] == 0
    assert other_client.get("/api/v1/visits/?website=alicesite").json()["count"] == 0


def test_anonymous_gets_401(anon_client):
    assert anon_client.get("/api/v1/visits/").status_code == 401


def test_post_gets_405(api_client):
    assert api_client.post("/api/v1/visits/", {}, format="json").status_code == 405


def test_list_query_count_is_constant(api_client, website, django_assert_max_num_queries):
    for _ in range(6):
        VisitFactory(website=website)
    with django_assert_max_num_queries(4):
        assert api_client.get("/api/v1/visits/").json()["count"] == 6

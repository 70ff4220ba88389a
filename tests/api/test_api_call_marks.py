"""PATCH /api/v1/calls/{id}/ with tags, score and spam; the call output's marks and caller location; the tag and
spam filters; /api/v1/tags/ and /api/v1/block-list/."""

import json

import pytest
import responses
from django.utils import timezone

from accounts.models import AuditEntry
from api.models import ApiToken
from calls.models import BlockedNumber, CallOutcomeChange, Tag
from tests.api.conftest import error
from tests.factories import (
    BlockedNumberFactory,
    CallFactory,
    CallTrackerFactory,
    PoolFactory,
    TagFactory,
)
from tests.integrations.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(account, website):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    return CallFactory(tracker=tracker, caller_number="+14155550100", caller_city="San Francisco", caller_region="CA",
                       caller_country="US", status="completed", answered_at=timezone.now(), talk_seconds=60)


def _url(call):
    return f"/api/v1/calls/{call.pk}/"


def test_patch_sets_tags_by_name_creating_missing_ones_and_score(api_client, call, account):
    TagFactory(account=account, name="Booked")
    response = api_client.patch(_url(call), {"tags": ["booked", "follow up"], "score": 4}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["tags"], body["score"], body["spam"]) == (["Booked", "follow up"], 4, False)
    assert sorted(Tag.objects.filter(account=account).values_list("name", flat=True)) == ["Booked", "follow up"]
    token = ApiToken.objects.get(account=account, scope="write")
    change = CallOutcomeChange.objects.get(call=call)
    assert change.to_tags == ["Booked", "follow up"] and change.actor_label == f"API token {token.key_hint}… (api)"


def test_patch_spam_takes_the_call_out_of_conversions_and_blocks_the_caller(api_client, call, account):
    body = api_client.patch(_url(call), {"spam": True}, format="json").json()
    assert (body["spam"], body["is_conversion"]) == (True, False)
    assert BlockedNumber.objects.filter(account=account, number="+14155550100").exists()


def test_output_carries_the_caller_location(api_client, call):
    body = api_client.get(_url(call)).json()
    assert body["caller_location"] == {"city": "San Francisco", "region": "CA", "country": "US"}
    assert (body["tags"], body["score"], body["spam"]) == ([], None, False)


def test_a_call_without_a_known_place_has_a_null_location(api_client, account, website):
    call = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True),
                       caller_number="")
    assert api_client.get(_url(call)).json()["caller_location"] is None


@pytest.mark.parametrize("payload,field", [
    ({"score": 6}, "score"), ({"score": "high"}, "score"), ({"tags": "booked"}, "tags"), ({"tags": [""]}, "tags.0"),
    ({"tags": ["x" * 51]}, "tags.0"), ({"spam": "maybe"}, "spam"),
])
def test_bad_marks_get_400_in_the_error_shape(api_client, call, payload, field):
    response = api_client.patch(_url(call), payload, format="json")
    assert response.status_code == 400
    assert field in error(response)["fields"]


@responses.activate
def test_patch_fires_call_updated_with_tags_score_spam_and_location(api_client, call, account,
                                                                   django_capture_on_commit_callbacks):
    WebhookEndpointFactory(account=account, url="https://hooks.example.com/in", event_types=["call.updated"])
    responses.post("https://hooks.example.com/in", status=200)
    with django_capture_on_commit_callbacks(execute=True):
        api_client.patch(_url(call), {"tags": ["booked"], "score": 5}, format="json")
    data = json.loads(responses.calls[0].request.body)["data"]
    assert (data["tags"], data["score"], data["spam"]) == (["booked"], 5, False)
    assert data["caller_location"] == {"city": "San Francisco", "region": "CA", "country": "US"}


def test_tag_and_spam_filters(api_client, call, account, website):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    spam = CallFactory(tracker=tracker, spam=True)
    call.tags.add(TagFactory(account=account, name="Booked"))
    ids = lambda query: [row["id"] for row in api_client.get("/api/v1/calls/", query).json()["results"]]  # noqa: E731
    assert ids({"tag": "booked"}) == [call.pk]
    assert ids({"spam": "true"}) == [spam.pk]
    assert ids({"spam": "false"}) == [call.pk]
    assert sorted(ids({})) == sorted([call.pk, spam.pk])


def test_read_scope_cannot_mark(read_client, call):
    assert read_client.patch(_url(call), {"score": 3}, format="json").status_code == 403


# ---- /api/v1/tags/ ------------------------------------------------------------------------------

def test_tags_crud(api_client, account):
    created = api_client.post("/api/v1/tags/", {"name": "Booked", "color": "#16a34a"}, format="json")
    assert created.status_code == 201
    tag = created.json()
    assert set(tag) == {"id", "name", "color"} and tag["name"] == "Booked"
    assert api_client.get("/api/v1/tags/").json()["results"] == [tag]
    renamed = api_client.patch(f"/api/v1/tags/{tag['id']}/", {"name": "Booked job"}, format="json").json()
    assert (renamed["name"], renamed["color"]) == ("Booked job", "#16a34a")
    assert api_client.delete(f"/api/v1/tags/{tag['id']}/").status_code == 204
    assert not Tag.objects.exists()
    assert AuditEntry.objects.filter(account=account, action__startswith="tag.").count() == 3


def test_a_second_tag_of_the_same_name_is_a_409(api_client, account):
    TagFactory(account=account, name="Booked")
    response = api_client.post("/api/v1/tags/", {"name": "booked"}, format="json")
    assert response.status_code == 409 and error(response)["code"] == "conflict"


def test_bad_tag_input_gets_400(api_client):
    response = api_client.post("/api/v1/tags/", {"name": "x", "color": "green"}, format="json")
    assert response.status_code == 400 and "color" in error(response)["fields"]


def test_tags_of_another_account_are_404_and_not_listed(api_client, other_account):
    theirs = TagFactory(account=other_account)
    assert api_client.get(f"/api/v1/tags/{theirs.pk}/").status_code == 404
    assert api_client.delete(f"/api/v1/tags/{theirs.pk}/").status_code == 404
    assert api_client.get("/api/v1/tags/").json()["results"] == []


def test_tags_need_a_token_and_write_scope(anon_client, read_client):
    assert anon_client.get("/api/v1/tags/").status_code == 401
    assert read_client.get("/api/v1/tags/").status_code == 200
    assert read_client.post("/api/v1/tags/", {"name": "x"}, format="json").status_code == 403


# ---- /api/v1/block-list/ ------------------------------------------------------------------------

def test_block_list_add_list_delete(api_client, account):
    created = api_client.post("/api/v1/block-list/", {"number": "+1 900"}, format="json")
    assert created.status_code == 201
    item = created.json()
    assert set(item) == {"id", "number"} and item["number"] == "+1900"
    number = api_client.post("/api/v1/block-list/", {"number": "(202) 555-0100"}, format="json").json()
    assert number["number"] == "+12025550100"
    assert [row["number"] for row in api_client.get("/api/v1/block-list/").json()["results"]] == ["+12025550100", "+1900"]
    assert api_client.delete(f"/api/v1/block-list/{item['id']}/").status_code == 204
    assert list(BlockedNumber.objects.values_list("number", flat=True)) == ["+12025550100"]


def test_block_list_refuses_what_is_not_a_number_or_prefix(api_client):
    response = api_client.post("/api/v1/block-list/", {"number": "spammer"}, format="json")
    assert response.status_code == 400 and "number" in error(response)["fields"]


def test_block_list_duplicate_is_a_409(api_client, account):
    BlockedNumberFactory(account=account, number="+1900")
    assert api_client.post("/api/v1/block-list/", {"number": "+1900"}, format="json").status_code == 409


def test_block_list_of_another_account_is_404(api_client, other_account):
    theirs = BlockedNumberFactory(account=other_account)
    assert api_client.get(f"/api/v1/block-list/{theirs.pk}/").status_code == 404
    assert api_client.delete(f"/api/v1/block-list/{theirs.pk}/").status_code == 404
    assert api_client.get("/api/v1/block-list/").json()["results"] == []


def test_block_list_put_is_405_and_anonymous_is_401(api_client, anon_client, account):
    item = BlockedNumberFactory(account=account)
    assert api_client.put(f"/api/v1/block-list/{item.pk}/", {"number": "+1"}, format="json").status_code == 405
    assert anon_client.get("/api/v1/block-list/").status_code == 401

"""PATCH /api/v1/calls/{id}/ (outcome, value, note) and the conversion fields of the call output."""

import json
from decimal import Decimal

import pytest
import responses
from django.utils import timezone

from api.models import ApiToken
from calls.models import CallOutcomeChange
from tests.api.conftest import error
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory
from tests.integrations.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def call(account, website):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    return CallFactory(tracker=tracker, status="completed", answered_at=timezone.now(), talk_seconds=12)


def _url(call):
    return f"/api/v1/calls/{call.pk}/"


def test_patch_sets_outcome_value_and_note_and_returns_the_call(api_client, call):
    response = api_client.patch(_url(call), {"outcome": "sale", "value": "249.90", "note": "Boiler service"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["outcome"], body["value"], body["note"]) == ("sale", "249.90", "Boiler service")
    assert (body["is_conversion"], body["conversion_value"]) == (True, "249.90")
    change = CallOutcomeChange.objects.get(call=call)
    token = ApiToken.objects.get(account=call.account, scope="write")
    assert (change.actor_label, change.to_outcome) == (f"API token {token.key_hint}… (api)", "sale")


def test_output_has_the_conversion_fields_before_any_outcome(api_client, call):
    body = api_client.get(_url(call)).json()
    assert (body["outcome"], body["value"], body["note"], body["is_conversion"], body["conversion_value"]) == (
        "", None, "", False, "0.00")


def test_patch_can_clear_the_outcome_and_value(api_client, call):
    api_client.patch(_url(call), {"outcome": "lead", "value": "10"}, format="json")
    body = api_client.patch(_url(call), {"outcome": None, "value": None}, format="json").json()
    assert (body["outcome"], body["value"], body["is_conversion"]) == ("", None, False)


def test_is_conversion_filter(api_client, call, account, website):
    converting = CallFactory(tracker=call.tracker, is_conversion=True, conversion_value=Decimal("5"))
    assert [row["id"] for row in api_client.get("/api/v1/calls/?is_conversion=true").json()["results"]] == [converting.pk]
    assert [row["id"] for row in api_client.get("/api/v1/calls/?is_conversion=false").json()["results"]] == [call.pk]


@pytest.mark.parametrize("payload,field", [
    ({"outcome": "spam"}, "outcome"),
    ({"value": "-3"}, "value"),
    ({"value": "lots"}, "value"),
    ({"value": "12345678901234"}, "value"),
    ({"note": "x" * 2001}, "note"),
    ({"note": "a\x00b"}, "note"),
    ({}, "non_field_errors"),
])
def test_bad_input_gets_400_in_the_error_shape(api_client, call, payload, field):
    response = api_client.patch(_url(call), payload, format="json")
    assert response.status_code == 400
    assert field in error(response)["fields"]
    assert not CallOutcomeChange.objects.exists()


def test_read_scope_gets_403(read_client, call):
    response = read_client.patch(_url(call), {"outcome": "lead"}, format="json")
    assert response.status_code == 403 and error(response)["code"] == "permission_denied"
    call.refresh_from_db()
    assert call.outcome == ""


def test_other_account_gets_404(other_client, call):
    response = other_client.patch(_url(call), {"outcome": "lead"}, format="json")
    assert response.status_code == 404 and error(response)["code"] == "not_found"
    call.refresh_from_db()
    assert call.outcome == ""


def test_anonymous_gets_401(anon_client, call):
    assert anon_client.patch(_url(call), {"outcome": "lead"}, format="json").status_code == 401


def test_put_gets_405(api_client, call):
    assert api_client.put(_url(call), {"outcome": "lead"}, format="json").status_code == 405


@responses.activate
def test_patch_fires_the_call_updated_webhook(api_client, call, account, django_capture_on_commit_callbacks):
    WebhookEndpointFactory(account=account, url="https://hooks.example.com/in", event_types=["call.updated"])
    responses.post("https://hooks.example.com/in", status=200)
    with django_capture_on_commit_callbacks(execute=True):
        api_client.patch(_url(call), {"outcome": "lead", "note": "Call back Tuesday"}, format="json")
    body = json.loads(responses.calls[0].request.body)
    assert body["type"] == "call.updated"
    assert (body["data"]["id"], body["data"]["outcome"], body["data"]["note"], body["data"]["is_conversion"]) == (
        call.pk, "lead", "Call back Tuesday", True)

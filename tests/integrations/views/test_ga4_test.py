import pytest
import requests
import responses
from django.urls import reverse

from integrations.services import GA4_DEBUG_URL
from tests.integrations.factories import GA4SettingsFactory

pytestmark = pytest.mark.django_db
OVERVIEW = reverse("integrations_dashboard:overview")


@pytest.fixture
def ga4(website):
    return GA4SettingsFactory(website=website)


def _url(ga4):
    return reverse("integrations_dashboard:ga4-test", args=[ga4.pk])


def test_the_integrations_page_has_a_visible_test_connection_button(marketer_client, ga4):
    body = marketer_client.get(OVERVIEW).content.decode()
    assert f'action="{_url(ga4)}"' in body and ">Test connection</button>" in body


@responses.activate
def test_a_valid_event_says_google_accepted_it_and_that_the_secret_is_not_checked(marketer_client, ga4):
    responses.post(GA4_DEBUG_URL, json={"validationMessages": []})
    response = marketer_client.post(_url(ga4), follow=True)
    body = response.content.decode()
    assert "G-TEST123" in body and "Google accepted the test event" in body
    assert "does not check the API secret" in body


@responses.activate
def test_googles_validation_messages_are_shown_with_what_to_do(marketer_client, ga4):
    responses.post(GA4_DEBUG_URL, json={"validationMessages": [
        {"fieldPath": "measurement_id", "description": "Measurement id is invalid.", "validationCode": "VALUE_INVALID"}]})
    body = marketer_client.post(_url(ga4), follow=True).content.decode()
    assert "Google found problems with the test event." in body
    assert "Measurement id is invalid (field “measurement_id”)" in body and "G-XXXXXXX" in body


@responses.activate
def test_no_answer_from_google_is_said_plainly(marketer_client, ga4):
    responses.post(GA4_DEBUG_URL, body=requests.ConnectionError("down"))
    body = marketer_client.post(_url(ga4), follow=True).content.decode()
    assert "GA4 did not answer; try again later." in body


def test_other_account_gets_404(marketer_client, other_account):
    from tests.factories import WebsiteFactory

    other = GA4SettingsFactory(website=WebsiteFactory(account=other_account))
    assert marketer_client.post(_url(other)).status_code == 404


def test_get_gets_405(marketer_client, ga4):
    assert marketer_client.get(_url(ga4)).status_code == 405


def test_anonymous_is_redirected(client, ga4):
    assert client.post(_url(ga4)).status_code == 302

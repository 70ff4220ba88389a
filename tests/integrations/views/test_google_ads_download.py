import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_marketer_downloads_csv(marketer_client, account):
    response = marketer_client.get(reverse("integrations_dashboard:google-ads-download"))
    assert response.status_code == 200
    assert response.content.decode().splitlines()[1].startswith("Google Click ID,")


def test_anonymous_is_redirected_to_login(client):
    response = client.get(reverse("integrations_dashboard:google-ads-download"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_post_gets_405(marketer_client):
    assert marketer_client.post(reverse("integrations_dashboard:google-ads-download")).status_code == 405

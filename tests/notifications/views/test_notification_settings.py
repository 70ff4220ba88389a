"""The notification settings page: each member's own choices in the current account."""

import pytest

from accounts.models import AuditEntry
from notifications.models import NotificationPreference

pytestmark = pytest.mark.django_db

URL = "/dashboard/notifications/"
SAVE = "/dashboard/notifications/save"
CHOICES = {"missed": "on", "first_time": "on", "by_email": "on", "summary": "weekly", "slack_url": ""}


def test_the_page_shows_the_defaults_before_anything_was_chosen(marketer_client):
    page = marketer_client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="by_email" id="id_by_email" checked' in html and 'value="off" id="id_summary_0" checked' in html.replace('required ', '')
    assert "integration_alerts" not in html  # only admins get those


def test_saving_stores_the_users_choices_for_this_account_with_an_audit_row(marketer_client, marketer, account):
    response = marketer_client.post(SAVE, CHOICES)
    assert response.status_code == 302 and response["Location"] == URL
    preference = NotificationPreference.objects.get(user=marketer, account=account)
    assert (preference.missed, preference.first_time, preference.every_call, preference.summary) == (True, True, False, "weekly")
    assert AuditEntry.objects.filter(action="notification_preference.updated", actor=marketer).exists()
    assert b'name="missed" id="id_missed" checked' in marketer_client.get(URL).content


def test_admins_choose_integration_alerts_too(admin_client_for_account, account_admin):
    assert b"integration_alerts" in admin_client_for_account.get(URL).content
    admin_client_for_account.post(SAVE, {**CHOICES})  # unticked: off
    assert NotificationPreference.objects.get(user=account_admin).integration_alerts is False


def test_a_slack_url_on_the_private_network_is_refused_with_the_form_shown_again(marketer_client):
    response = marketer_client.post(SAVE, {**CHOICES, "slack_url": "https://10.0.0.5/hook"})
    assert response.status_code == 400 and b"private" in response.content
    assert not NotificationPreference.objects.exists()


def test_bad_input_is_a_400(marketer_client):
    assert marketer_client.post(SAVE, {**CHOICES, "summary": "hourly"}).status_code == 400


def test_anonymous_is_sent_to_login(client):
    assert client.get(URL)["Location"].startswith("/accounts/login/")
    assert client.post(SAVE, CHOICES)["Location"].startswith("/accounts/login/")


def test_wrong_methods_are_405(marketer_client):
    assert marketer_client.post(URL).status_code == 405
    assert marketer_client.get(SAVE).status_code == 405


def test_choices_belong_to_one_account(marketer_client, marketer, other_account):
    NotificationPreference.objects.create(account=other_account, user=marketer, every_call=True)
    marketer_client.post(SAVE, CHOICES)
    assert NotificationPreference.objects.get(account=other_account).every_call is True
    assert NotificationPreference.objects.filter(user=marketer).count() == 2

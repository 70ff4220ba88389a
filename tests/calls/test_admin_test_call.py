import pytest
from django.urls import reverse

from calls.models import Call
from tests.factories import CallTrackerFactory, PoolFactory

pytestmark = pytest.mark.django_db
URL = "/admin/calls/call/test-call/"


def test_form_lists_the_admins_trackers(admin_client_for_account, active_tracker):
    response = admin_client_for_account.get(URL)

    assert response.status_code == 200
    assert active_tracker.pool.name in response.content.decode()


def test_placing_a_test_call_records_it_and_redirects_to_it(admin_client_for_account, active_tracker):
    response = admin_client_for_account.post(URL, {
        "tracker": active_tracker.pk, "caller_number": "+14158675309", "duration_seconds": 30, "answered": "on",
    })

    call = Call.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:calls_call_change", args=[call.pk])
    assert call.status == Call.Status.COMPLETED
    assert call.talk_seconds == 30


def test_another_accounts_tracker_cannot_be_called(admin_client_for_account, other_account, active_tracker):
    other_tracker = CallTrackerFactory(pool=PoolFactory(account=other_account, original_number="+12125550100"), active=True)

    response = admin_client_for_account.post(URL, {
        "tracker": other_tracker.pk, "caller_number": "+14158675309", "duration_seconds": 30,
    })

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Call.objects.count() == 0


def test_changelist_links_to_the_test_call_form(admin_client_for_account):
    response = admin_client_for_account.get("/admin/calls/call/")

    assert URL in response.content.decode()


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert "/login/" in response["Location"]

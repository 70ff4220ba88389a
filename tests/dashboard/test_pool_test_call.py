from django.urls import reverse

from calls.models import Call
from tests.factories import CallTrackerFactory, PoolFactory


def _url(pool):
    return reverse("dashboard:pool_test_call", args=[pool.pk])


def test_a_marketer_places_a_test_call_through_the_real_webhooks(marketer_client, pool, tracker):
    response = marketer_client.post(_url(pool), {"tracker": tracker.pk, "caller": "(415) 555-0142", "duration_seconds": 75, "answered": "on"})
    call = Call.objects.get()
    assert response.status_code == 302 and response.url == reverse("dashboard:call_detail", args=[call.pk])
    assert (call.tracker, call.caller_number, call.status) == (tracker, "+14155550142", "completed")
    assert call.talk_seconds == 75


def test_the_pool_page_offers_the_form_for_sandbox_numbers(marketer_client, pool, tracker):
    body = marketer_client.get(reverse("dashboard:pool_detail", args=[pool.pk])).content.decode()
    assert "Place a test call" in body


def test_a_bad_caller_number_places_nothing_and_says_why(marketer_client, pool, tracker):
    response = marketer_client.post(_url(pool), {"tracker": tracker.pk, "caller": "hello", "duration_seconds": 10}, follow=True)
    assert not Call.objects.exists()
    assert "The test call was not placed" in response.content.decode()


def test_a_number_outside_the_pool_is_refused(marketer_client, account, pool):
    elsewhere = CallTrackerFactory(pool=PoolFactory(account=account), active=True)
    marketer_client.post(_url(pool), {"tracker": elsewhere.pk, "caller": "(415) 555-0142", "duration_seconds": 10})
    assert not Call.objects.exists()


def test_real_provider_numbers_take_no_test_calls(marketer_client, pool):
    twilio_number = CallTrackerFactory(pool=pool, active=True, provider="twilio")
    marketer_client.post(_url(pool), {"tracker": twilio_number.pk, "caller": "(415) 555-0142", "duration_seconds": 10})
    assert not Call.objects.exists()


def test_another_accounts_pool_is_404(marketer_client, other_account):
    theirs = CallTrackerFactory(pool=PoolFactory(account=other_account), active=True)
    response = marketer_client.post(_url(theirs.pool), {"tracker": theirs.pk, "caller": "(415) 555-0142", "duration_seconds": 10})
    assert response.status_code == 404
    assert not Call.objects.exists()


def test_get_is_not_allowed(marketer_client, pool):
    assert marketer_client.get(_url(pool)).status_code == 405


def test_anonymous_is_redirected_to_login(client, pool):
    response = client.post(_url(pool), {})
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_page_title_is_just_the_pool_name(marketer_client, pool, tracker):
    body = marketer_client.get(reverse("dashboard:pool_detail", args=[pool.pk])).content.decode()
    assert f"<title>{pool.name} · callpool</title>" in body

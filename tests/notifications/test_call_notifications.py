"""Call notifications end to end: a sandbox call through the real webhook layer ends, the worker sends the outbox row
to a real SMTP server (or a Slack-compatible webhook), once; the one-click unsubscribe works without a login."""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import responses
from django.utils import timezone

from calls.models import ConversionRule
from calls.outcomes import call_set_outcome
from calls.simulation import call_simulate
from core.actors import Actor
from core.errors import DomainError
from notifications.emails import unsubscribe_token
from notifications.models import Notification, NotificationPreference
from notifications.services import notifications_send_due, preference_update
from tests.factories import CallTrackerFactory, MembershipFactory, PoolFactory, UserFactory
from tests.notifications.conftest import parts
from tests.support import free_port

pytestmark = pytest.mark.django_db

SHOTS = Path(os.environ.get("SHOTS_DIR", ""))  # set to keep what the SMTP server received (the closing note's emails)
SLACK = "https://hooks.slack.example.com/services/T0/B0/xyz"


@pytest.fixture
def tracker(account, website):
    pool = PoolFactory(account=account, website=website, name="Service line", original_number="+12025550150")
    return CallTrackerFactory(pool=pool, active=True, source="google", medium="cpc")


@pytest.fixture
def alice(account):
    user = UserFactory(username="alice", email="alice@example.com")
    MembershipFactory(account=account, user=user)
    return user


def _wants(account, user, **choices):
    return NotificationPreference.objects.create(account=account, user=user, **choices)


def _call(tracker, *, answered=True, duration=60, caller="+14158675309"):
    return call_simulate(tracking_number=tracker.tracking_number, caller_number=caller, duration_seconds=duration,
                         answered=answered, ring_seconds=25)


def test_a_missed_call_is_emailed_once_with_text_html_and_one_click_unsubscribe(
        smtp_server, tracker, account, alice, client, django_capture_on_commit_callbacks):
    _wants(account, alice, missed=True)
    with django_capture_on_commit_callbacks(execute=True):
        call = _call(tracker, answered=False, duration=0)
    assert call.result == "missed"

    [message] = smtp_server.to("alice@example.com")
    assert message["Subject"].startswith("Missed call · First-time caller") is False  # alice asked for missed only
    assert message["Subject"].startswith("Missed call: (415) 867-5309")
    bodies = parts(message)
    assert "Missed call" in bodies["text/plain"] and "Result:  Missed" in bodies["text/plain"]
    local = call.started_at.astimezone(ZoneInfo("America/New_York"))
    assert f"When:    {local:%b %-d, %Y %H:%M} (America/New_York)" in bodies["text/plain"]
    assert f"https://callpool.example.com/dashboard/calls/{call.pk}/" in bodies["text/plain"]
    assert "<html" in bodies["text/html"] and "Open the call" in bodies["text/html"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe_url = message["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe_url.startswith("https://callpool.example.com/notifications/unsubscribe/")
    if os.environ.get("SHOTS_DIR"):
        (SHOTS / "h3-call-notification.eml").write_bytes(smtp_server.raw(0))

    # Retried callbacks and the sweeper send nothing twice.
    with django_capture_on_commit_callbacks(execute=True):
        notifications_send_due()
    assert len(smtp_server.received) == 1

    # RFC 8058: the mail client POSTs without a session or CSRF token.
    client.logout()
    response = client.post(unsubscribe_url.removeprefix("https://callpool.example.com"),
                           data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200 and b"call notifications by email" in response.content
    assert NotificationPreference.objects.get(user=alice).by_email is False

    with django_capture_on_commit_callbacks(execute=True):
        _call(tracker, answered=False, duration=0, caller="+14158675310")
    assert len(smtp_server.received) == 1


def test_the_unsubscribe_link_asks_before_it_acts_and_refuses_a_forged_token(smtp_server, client, account, alice):
    _wants(account, alice, missed=True)
    notification = Notification.objects.create(account=account, user=alice, kind="call", target=alice.email, key="k",
                                               payload={"call_id": 1})
    url = f"/notifications/unsubscribe/{unsubscribe_token(notification)}"
    assert client.get(url).status_code == 200
    assert NotificationPreference.objects.get(user=alice).by_email is True  # a link scanner's GET changes nothing
    assert client.post(url[:-3] + "abc").status_code == 400
    assert client.post(url).status_code == 200
    assert NotificationPreference.objects.get(user=alice).by_email is False


def test_a_conversion_is_one_message_even_though_completed_and_converted_both_fire(
        smtp_server, tracker, account, website, alice, django_capture_on_commit_callbacks):
    ConversionRule.objects.create(website=website, value=Decimal("80"))
    _wants(account, alice, conversions=True, every_call=True)
    with django_capture_on_commit_callbacks(execute=True):
        call = _call(tracker, duration=90)
    assert call.is_conversion
    [message] = smtp_server.messages
    assert message["Subject"].startswith("Conversion:")
    assert "80.00 USD" in parts(message)["text/plain"]


def test_a_call_that_becomes_a_conversion_later_is_announced_then(
        smtp_server, tracker, account, alice, django_capture_on_commit_callbacks):
    _wants(account, alice, conversions=True)
    with django_capture_on_commit_callbacks(execute=True):
        call = _call(tracker, duration=10)
    assert not call.is_conversion and smtp_server.received == []
    with django_capture_on_commit_callbacks(execute=True):
        call_set_outcome(call=call, actor=Actor.person(alice, via="dashboard"), outcome="sale", value=Decimal("500"), note="")
    [message] = smtp_server.messages
    assert message["Subject"].startswith("Conversion:") and "500.00 USD" in parts(message)["text/plain"]


def test_members_of_another_account_hear_nothing(smtp_server, tracker, other_account, django_capture_on_commit_callbacks):
    bob = UserFactory(username="bob", email="bob@example.com")
    MembershipFactory(account=other_account, user=bob)
    _wants(other_account, bob, every_call=True)
    with django_capture_on_commit_callbacks(execute=True):
        _call(tracker)
    assert smtp_server.received == []


@responses.activate
def test_slack_gets_the_call_too(smtp_server, tracker, account, alice, django_capture_on_commit_callbacks):
    responses.post(SLACK, status=200, body="ok")
    preference_update(account=account, user=alice, actor=None, every_call=True, by_email=False, slack_url=SLACK)
    with django_capture_on_commit_callbacks(execute=True):
        _call(tracker)
    [request] = [c.request for c in responses.calls]
    assert b"Call: (415) 867-5309" in request.body and b"Open the call" in request.body
    assert smtp_server.received == []  # email is off
    assert Notification.objects.get().status == "sent"


def test_a_slack_url_on_the_private_network_is_refused(account, alice):
    with pytest.raises(DomainError) as refused:
        preference_update(account=account, user=alice, actor=None, slack_url="https://127.0.0.1/hook")
    assert "slack_url" in refused.value.fields


def test_an_smtp_outage_delays_the_message_until_the_sweeper_finds_the_server_back(
        smtp_server, tracker, account, alice, settings, django_capture_on_commit_callbacks):
    _wants(account, alice, every_call=True)
    settings.EMAIL_PORT = free_port()  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        _call(tracker)
    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == ("pending", 1) and notification.next_attempt_at
    settings.EMAIL_PORT = smtp_server.port
    assert notifications_send_due(now=timezone.now()) == 0  # not due yet
    assert notifications_send_due(now=timezone.now() + timedelta(minutes=2)) == 1
    assert len(smtp_server.received) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 2)


def test_an_automation_rule_s_notify_is_emailed_to_its_member_and_address_once(
        smtp_server, tracker, account, alice, django_capture_on_commit_callbacks):
    """The automation part writes a `notify` outbox row when its rule matches; this part emails it: the member named
    by id and the typed address, once each (a re-run of the rules and the sweeper add nothing)."""
    from automation.models import RuleNotification
    from automation.services import rule_create

    rule_create(account=account, name="Long calls", conditions=[{"field": "talk_seconds", "op": "gte", "value": 30}],
                actions=[{"type": "notify", "value": [alice.pk, "sales@example.com"]}])
    with django_capture_on_commit_callbacks(execute=True):
        call = _call(tracker, answered=True, duration=90)
    with django_capture_on_commit_callbacks(execute=True):
        notifications_send_due()
    assert sorted(address for rcpt, _ in smtp_server.received for address in rcpt) == ["alice@example.com", "sales@example.com"]
    [message] = smtp_server.to("sales@example.com")
    assert str(message["Subject"]).strip().startswith("Rule “Long calls”: (415) 867-5309")
    assert f"/dashboard/calls/{call.pk}/" in parts(message)["text/plain"]
    assert RuleNotification.objects.get(call=call).status == "sent"

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from calls.models import Call, CallEvent
from calls.simulation import call_simulate
from tests.factories import LeaseFactory, TrackerStatusChangeFactory, VisitFactory

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = StringIO()
    call_command("simulate_call", *args, stdout=out)
    return out.getvalue().splitlines()


def test_simulated_call_goes_through_the_webhooks_and_prints_the_outcome(active_tracker):
    TrackerStatusChangeFactory(tracker=active_tracker, to_status="active", source="google", medium="cpc",
                               created_at=timezone.now() - timedelta(days=1))

    lines = run("--to", active_tracker.tracking_number, "--from", "(415) 867-5309", "--duration", "42")

    call = Call.objects.get()
    assert lines[0] == f"Call {call.provider_call_id}"
    assert "forwarded to (202) 555-0150" in lines[1]
    assert lines[2] == "  status completed, 47s total, 42s talk, first-time caller"
    assert lines[3] == "  attribution: The source the number is assigned to: google / cpc (confidence 0.90)"
    assert call.answered_at is not None
    assert CallEvent.objects.filter(call=call).count() == 5  # 4 dialed-leg callbacks + the inbound completion


def test_a_simulated_call_where_the_caller_hangs_up_reports_the_callers_leg_first(active_tracker):
    lines = run("--to", active_tracker.tracking_number, "--from", "+14158675309", "--duration", "42",
                "--hangup-by", "caller")

    call = Call.objects.get()
    assert lines[2] == "  status completed, 47s total, 42s talk, first-time caller"
    ends = [(bool(event.parent_call_sid), event.status) for event in CallEvent.objects.filter(call=call).order_by("id")][-2:]
    assert ends == [(False, "completed"), (True, "completed")]  # the caller's leg, then the business's
    assert call.settles_at is None and call.is_final


def test_second_simulated_call_from_the_same_caller_is_a_repeat(active_tracker):
    run("--to", active_tracker.tracking_number, "--from", "+14158675309")

    lines = run("--to", active_tracker.tracking_number, "--from", "+14158675309")

    assert lines[2].endswith("repeat caller")


def test_unanswered_simulated_call_is_no_answer(active_tracker):
    lines = run("--to", active_tracker.tracking_number, "--from", "+14158675309", "--no-answer")

    assert lines[2].startswith("  status no-answer, 5s total, 0s talk")


def test_unknown_tracking_number_is_a_command_error(active_tracker):
    with pytest.raises(CommandError, match="not a live tracking number"):
        run("--to", "+19175550199", "--from", "+14158675309")


def test_unreadable_number_is_a_command_error(active_tracker):
    with pytest.raises(CommandError):
        run("--to", "not a number", "--from", "+14158675309")


def test_simulated_visitor_call_is_attributed_to_the_leased_visit(visitor_tracker):
    now = timezone.now()
    visit = VisitFactory(website=visitor_tracker.pool.website, source="google", medium="cpc", term="plumber")
    LeaseFactory(tracker=visitor_tracker, visit=visit, started_at=now - timedelta(minutes=2),
                 expires_at=now + timedelta(minutes=28))

    call = call_simulate(tracking_number=visitor_tracker.tracking_number, caller_number="+14158675309", now=now)

    assert call.visit == visit
    assert call.term == "plumber"
    assert call.started_at == now


def test_simulation_signs_with_the_sandbox_token_when_no_twilio_token_exists(active_tracker, settings):
    settings.TWILIO_AUTH_TOKEN = ""

    call = call_simulate(tracking_number=active_tracker.tracking_number, caller_number="+14158675309")

    assert call.status == Call.Status.COMPLETED

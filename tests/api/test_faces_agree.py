"""Every face (admin, API, command, dashboard) refuses the same writes, with the service's one message.

The rules live in the services (tracker_update, pool_update, call_simulate); a face only translates."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from calls.models import Call
from calls.simulation import call_simulate
from core.errors import DomainError
from pools.models import PoolChange
from pools.services import pool_update
from tests.api.conftest import error
from tests.factories import CallTrackerFactory, PoolFactory
from trackers.models import CallTracker, TrackerStatusChange
from trackers.services import tracker_update

pytestmark = pytest.mark.django_db


def _service_message(call) -> tuple[str, str]:
    with pytest.raises(DomainError) as excinfo:
        call()
    return excinfo.value.code, excinfo.value.message


# --- the writes ----------------------------------------------------------------------------------------


def _automated_pool_tracker(account):
    return CallTrackerFactory(pool=PoolFactory(account=account, automated=True), active=True)


def _retired_pool_tracker(account):
    return CallTrackerFactory(pool=PoolFactory(account=account, retired_at=timezone.now()))


TRACKER_CASES = {
    "automated pool": (_automated_pool_tracker, "not_manual"),
    "retired pool": (_retired_pool_tracker, "retired"),
}


def _tracker_via_api(api_client, admin_client, tracker):
    response = api_client.patch(f"/api/v1/trackers/{tracker.pk}/", {"status": "flagged"}, format="json")
    assert response.status_code == 409
    return error(response)["message"]


def _tracker_via_admin_action(api_client, admin_client, tracker):
    response = admin_client.post(
        reverse("admin:trackers_calltracker_changelist"),
        {"action": "make_flagged", "_selected_action": [tracker.pk]}, follow=True,
    )
    errors = [m.message for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1, errors
    return errors[0].removeprefix(f"{tracker}: ")


@pytest.mark.parametrize("face", [_tracker_via_api, _tracker_via_admin_action], ids=["api", "admin"])
@pytest.mark.parametrize("case", list(TRACKER_CASES))
def test_a_tracker_change_by_hand_is_refused_the_same_way_by_every_face(
    face, case, api_client, admin_client_for_account, account,
):
    make, code = TRACKER_CASES[case]
    tracker = make(account)
    before = (tracker.status, TrackerStatusChange.objects.filter(tracker=tracker).count())
    expected = _service_message(lambda: tracker_update(tracker=tracker, status="flagged", reason="test"))

    message = face(api_client, admin_client_for_account, tracker)

    assert expected[0] == code
    assert message == expected[1]
    tracker.refresh_from_db()
    assert (tracker.status, TrackerStatusChange.objects.filter(tracker=tracker).count()) == before


def _pool_via_api(api_client, admin_client, pool):
    response = api_client.patch(f"/api/v1/pools/{pool.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 409
    return error(response)["message"]


def _pool_via_admin(api_client, admin_client, pool):
    data = {
        "account": pool.account_id, "website": pool.website_id, "name": "Renamed", "kind": pool.kind,
        "tracking": pool.tracking, "original_number": pool.original_number, "size": pool.size,
        "utilization": str(pool.utilization), "min_visits": pool.min_visits, "visit_window_days": pool.visit_window_days,
        "flag_days": pool.flag_days, "lease_minutes": pool.lease_minutes, "exhaustion": pool.exhaustion,
        "max_size": pool.max_size, "trackers-TOTAL_FORMS": 0, "trackers-INITIAL_FORMS": 0,
    }
    response = admin_client.post(reverse("admin:pools_pool_change", args=[pool.pk]), data, follow=True)
    errors = [m.message for m in response.context["messages"] if m.level_tag == "error"]
    assert len(errors) == 1, errors
    return errors[0]


@pytest.mark.parametrize("face", [_pool_via_api, _pool_via_admin], ids=["api", "admin"])
def test_a_retired_pool_is_refused_the_same_way_by_every_face(face, api_client, admin_client_for_account, account):
    pool = PoolFactory(account=account, retired_at=timezone.now(), name="Old")
    expected = _service_message(lambda: pool_update(pool=pool, name="Renamed"))

    message = face(api_client, admin_client_for_account, pool)

    assert expected[0] == "retired"
    assert message == expected[1]
    pool.refresh_from_db()
    assert pool.name == "Old"
    assert not PoolChange.objects.filter(pool=pool).exists()


def _test_call_via_admin(admin_client, marketer_client, tracker):
    response = admin_client.post("/admin/calls/call/test-call/", {
        "tracker": tracker.pk, "caller_number": "+14158675309", "duration_seconds": 30, "answered": "on",
    })
    assert response.status_code == 200
    return response.context["form"].non_field_errors()[0]


def _test_call_via_command(admin_client, marketer_client, tracker):
    with pytest.raises(CommandError) as excinfo:
        call_command("simulate_call", "--to", tracker.tracking_number, "--from", "+14158675309", stdout=StringIO())
    return str(excinfo.value)


@pytest.mark.parametrize("face", [_test_call_via_admin, _test_call_via_command], ids=["admin", "command"])
def test_a_test_call_to_a_real_provider_number_is_refused_by_every_face(face, admin_client_for_account, account):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account), active=True, provider="twilio")
    expected = _service_message(lambda: call_simulate(tracking_number=tracker.tracking_number, caller_number="+14158675309"))

    message = face(admin_client_for_account, None, tracker)

    assert expected[0] == "not_sandbox"
    assert message == expected[1]
    assert not Call.objects.exists()


def test_the_dashboard_offers_test_calls_on_sandbox_numbers_only(marketer_client, account):
    pool = PoolFactory(account=account)
    real = CallTrackerFactory(pool=pool, active=True, provider="twilio")

    response = marketer_client.post(reverse("dashboard:pool_test_call", args=[pool.pk]), {
        "tracker": real.pk, "caller": "+14158675309", "duration_seconds": 30, "answered": "on",
    }, follow=True)

    assert not Call.objects.exists()
    assert any("not placed" in str(m) for m in response.context["messages"])


def test_a_manual_tracker_change_through_the_api_and_the_admin_goes_through(api_client, admin_client_for_account, account):
    """The refusals above are the rules, not a broken face: the same writes pass on a manual pool in service."""
    first, second = CallTrackerFactory.create_batch(2, pool=PoolFactory(account=account), active=True)

    assert api_client.patch(f"/api/v1/trackers/{first.pk}/", {"status": "flagged"}, format="json").status_code == 200
    admin_client_for_account.post(reverse("admin:trackers_calltracker_changelist"),
                                  {"action": "make_flagged", "_selected_action": [second.pk]})

    assert set(CallTracker.objects.values_list("status", flat=True)) == {"flagged"}

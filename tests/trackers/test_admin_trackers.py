import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from pools.models import Pool
from tests.factories import CallTrackerFactory, PoolFactory
from trackers.models import CallTracker, TrackerStatusChange


def test_admin_adds_a_tracker_from_a_typed_number(admin_client_for_account, account):
    pool = PoolFactory(account=account)
    response = admin_client_for_account.post(
        reverse("admin:trackers_calltracker_add"),
        {"pool": pool.pk, "tracking_number": "312.555.0142", "status": "active", "source": "google", "medium": "cpc",
         "history-TOTAL_FORMS": 0, "history-INITIAL_FORMS": 0},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    tracker = CallTracker.objects.get()
    assert (tracker.tracking_number, tracker.status, tracker.original_number) == ("+13125550142", "active", pool.original_number)
    assert tracker.history.get().actor_label.endswith(" (admin)")


def test_admin_rejects_a_typed_number_that_is_not_a_phone_number(admin_client_for_account, account):
    pool = PoolFactory(account=account)
    response = admin_client_for_account.post(
        reverse("admin:trackers_calltracker_add"),
        {"pool": pool.pk, "tracking_number": "not a number", "status": "available",
         "history-TOTAL_FORMS": 0, "history-INITIAL_FORMS": 0},
    )
    assert response.status_code == 200
    assert "tracking_number" in response.context["adminform"].form.errors
    assert not CallTracker.objects.exists()


def test_bulk_flag_goes_through_the_service_and_skips_automated_pools(admin_client_for_account, account):
    manual = CallTrackerFactory(pool=PoolFactory(account=account), active=True)
    automated = CallTrackerFactory(pool=PoolFactory(account=account, automated=True), active=True)
    response = admin_client_for_account.post(
        reverse("admin:trackers_calltracker_changelist"),
        {"action": "make_flagged", "_selected_action": [manual.pk, automated.pk]},
    )
    assert response.status_code == 302
    manual.refresh_from_db()
    automated.refresh_from_db()
    assert manual.status == "flagged" and automated.status == "active"
    assert TrackerStatusChange.objects.filter(tracker=manual, to_status="flagged").count() == 1


def test_bulk_delete_releases_numbers_but_keeps_rows(admin_client_for_account, account):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account))
    admin_client_for_account.post(
        reverse("admin:trackers_calltracker_changelist"), {"action": "delete_trackers", "_selected_action": [tracker.pk]}
    )
    tracker.refresh_from_db()
    assert tracker.deleted_at is not None


def test_bulk_actions_cannot_touch_another_accounts_trackers(admin_client_for_account, other_account):
    theirs = CallTrackerFactory(pool=PoolFactory(account=other_account), active=True)
    admin_client_for_account.post(
        reverse("admin:trackers_calltracker_changelist"), {"action": "make_flagged", "_selected_action": [theirs.pk]}
    )
    theirs.refresh_from_db()
    assert theirs.status == "active"


def test_admin_names_a_tracker_even_in_an_automated_pool(admin_client_for_account, account):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, automated=True), active=True, source="google", medium="cpc")
    response = admin_client_for_account.post(
        reverse("admin:trackers_calltracker_change", args=[tracker.pk]),
        {"name": "  Yellow pages ad ", "history-TOTAL_FORMS": 0, "history-INITIAL_FORMS": 0},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    tracker.refresh_from_db()
    assert (tracker.name, tracker.status, tracker.source) == ("Yellow pages ad", "active", "google")


@pytest.mark.parametrize("becomes", ["retired", "automated", "deleted"])
def test_a_tracker_change_refused_after_the_form_was_opened_is_a_form_error(
    becomes, admin_client_for_account, account, account_admin, other_account,
):
    """A tenant admin (not a superuser, a second tenant present) opens a manual pool's tracker; meanwhile its pool is
    retired or automated (or the tracker deleted). Saving shows the service's refusal, not "changed successfully"."""
    assert not account_admin.is_superuser
    theirs = CallTrackerFactory(pool=PoolFactory(account=other_account), active=True)
    tracker = CallTrackerFactory(pool=PoolFactory(account=account), active=True, source="google", medium="cpc")
    url = reverse("admin:trackers_calltracker_change", args=[tracker.pk])
    assert admin_client_for_account.get(url).context["adminform"].form.fields.keys() >= {"status", "source", "medium"}
    if becomes == "retired":
        Pool.objects.filter(pk=tracker.pool_id).update(retired_at=timezone.now())
    elif becomes == "automated":
        Pool.objects.filter(pk=tracker.pool_id).update(kind="automated")
    else:
        CallTracker.objects.filter(pk=tracker.pk).update(deleted_at=timezone.now())
    history = TrackerStatusChange.objects.count()

    response = admin_client_for_account.post(url, {
        "name": "Renamed", "status": "flagged", "source": "google", "medium": "cpc",
        "history-TOTAL_FORMS": 0, "history-INITIAL_FORMS": 0,
    })

    assert response.status_code == 200
    form = response.context["adminform"].form
    expected = {"retired": "is retired", "automated": "rules engine", "deleted": "was deleted"}[becomes]
    assert any(expected in message for message in form.non_field_errors()), form.errors
    assert "changed successfully" not in response.content.decode()
    assert not LogEntry.objects.exists()
    tracker.refresh_from_db()
    assert (tracker.status, tracker.name) == ("active", "")
    assert TrackerStatusChange.objects.count() == history
    theirs.refresh_from_db()
    assert theirs.status == "active"

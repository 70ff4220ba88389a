"""Who did it: every write records its actor, from every face, spelled by one helper (core.actors)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AuditEntry
from api.models import ApiToken
from calls.models import CallOutcomeChange
from core.actors import RULES_ENGINE, Actor, actor_fields, actor_label
from pools.models import PoolChange
from pools.tasks import enforce_pool
from tests.factories import (
    CallFactory,
    CallTrackerFactory,
    MembershipFactory,
    PoolFactory,
    UserFactory,
    WebsiteFactory,
)
from trackers.models import TrackerStatusChange

pytestmark = pytest.mark.django_db


def test_the_label_names_the_person_and_the_face(db):
    user = UserFactory(username="alice")
    assert actor_label(Actor.person(user, via="admin")) == "alice (admin)"
    assert actor_label(Actor.token(key_hint="cp_ab12345")) == "API token cp_ab12345… (api)"
    assert actor_label(Actor.process("enforce_pools")) == "enforce_pools (command)"
    assert actor_label(None) == RULES_ENGINE
    assert actor_fields(user) == {"actor": user, "actor_label": "alice"}


def test_a_long_username_keeps_the_face_within_the_column(db):
    user = UserFactory(username="x" * 150)
    label = actor_label(Actor.person(user, via="dashboard"))
    assert len(label) == 60 and label.endswith(" (dashboard)")


# --- each write, from each face -------------------------------------------------------------------------

def _changelist_action(client, model: str, action: str, pk: int, **extra):
    response = client.post(reverse(f"admin:{model}_changelist"), {"action": action, "_selected_action": [pk], **extra})
    assert response.status_code in (200, 302)


def pool_update_admin(c, account):
    pool = PoolFactory(account=account)
    data = {"name": "Renamed", "kind": pool.kind, "tracking": pool.tracking, "original_number": pool.original_number,
            "size": pool.size, "utilization": str(pool.utilization), "min_visits": pool.min_visits,
            "visit_window_days": pool.visit_window_days, "flag_days": pool.flag_days, "lease_minutes": pool.lease_minutes,
            "exhaustion": pool.exhaustion, "max_size": pool.max_size, "trackers-TOTAL_FORMS": 0, "trackers-INITIAL_FORMS": 0}
    assert c.admin.post(reverse("admin:pools_pool_change", args=[pool.pk]), data).status_code == 302
    return PoolChange.objects.get(pool=pool)


def pool_update_api(c, account):
    pool = PoolFactory(account=account)
    assert c.api.patch(f"/api/v1/pools/{pool.pk}/", {"name": "Renamed"}, format="json").status_code == 200
    return PoolChange.objects.get(pool=pool)


def pool_retire_admin(c, account):
    pool = PoolFactory(account=account)
    _changelist_action(c.admin, "pools_pool", "retire_pools", pool.pk)
    return PoolChange.objects.get(pool=pool, changes__has_key="retired_at")


def pool_retire_api(c, account):
    pool = PoolFactory(account=account)
    assert c.api.delete(f"/api/v1/pools/{pool.pk}/").status_code == 204
    return PoolChange.objects.get(pool=pool, changes__has_key="retired_at")


def tracker_update_admin(c, account):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account), active=True)
    _changelist_action(c.admin, "trackers_calltracker", "make_flagged", tracker.pk)
    return TrackerStatusChange.objects.get(tracker=tracker, to_status="flagged")


def tracker_update_api(c, account):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account), active=True)
    assert c.api.patch(f"/api/v1/trackers/{tracker.pk}/", {"status": "flagged"}, format="json").status_code == 200
    return TrackerStatusChange.objects.get(tracker=tracker, to_status="flagged")


def _call(account):
    return CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account), active=True))


def call_outcome_admin(c, account):
    call = _call(account)
    response = c.admin.post(reverse("admin:calls_call_change", args=[call.pk]), {
        "outcome": "lead", "value": "", "note": "", **{f"{p}-{k}": 0 for p in ("outcome_history", "events")
                                                      for k in ("TOTAL_FORMS", "INITIAL_FORMS")}})
    assert response.status_code == 302
    return CallOutcomeChange.objects.get(call=call)


def call_outcome_api(c, account):
    call = _call(account)
    assert c.api.patch(f"/api/v1/calls/{call.pk}/", {"outcome": "lead"}, format="json").status_code == 200
    return CallOutcomeChange.objects.get(call=call)


def call_outcome_dashboard(c, account):
    call = _call(account)
    assert c.admin.post(reverse("dashboard:call_outcome", args=[call.pk]), {"outcome": "lead"}).status_code == 302
    return CallOutcomeChange.objects.get(call=call)


def pool_provision_admin(c, account):
    pool = PoolFactory(account=account)
    _changelist_action(c.admin, "pools_pool", "provision_numbers", pool.pk, apply="1", count="1")
    return TrackerStatusChange.objects.get(tracker__pool=pool)


def pool_provision_dashboard(c, account):
    pool = PoolFactory(account=account)
    assert c.admin.post(reverse("dashboard:pool_add_numbers", args=[pool.pk]), {"count": "1"}).status_code == 302
    return TrackerStatusChange.objects.get(tracker__pool=pool)


def pool_provision_command(c, account):
    pool = PoolFactory(account=account)
    call_command("provision_numbers", "--pool", str(pool.pk), "--count", "1", stdout=StringIO())
    return TrackerStatusChange.objects.get(tracker__pool=pool)


def _automated_pool(account):
    return PoolFactory(account=account, automated=True, size=1)


def pool_enforce_scheduler(c, account):
    pool = _automated_pool(account)
    enforce_pool(pool.pk)
    return TrackerStatusChange.objects.filter(tracker__pool=pool).first()


def pool_enforce_command(c, account):
    pool = _automated_pool(account)
    call_command("enforce_pools", "--pool", str(pool.pk), stdout=StringIO())
    return TrackerStatusChange.objects.filter(tracker__pool=pool).first()


def pool_enforce_api(c, account):
    pool = _automated_pool(account)
    assert c.api.post(f"/api/v1/pools/{pool.pk}/enforce").status_code == 200
    return TrackerStatusChange.objects.filter(tracker__pool=pool).first()


def website_create_api(c, account):
    response = c.api.post("/api/v1/websites/", {"name": "Shop"}, format="json")
    assert response.status_code == 201
    return AuditEntry.objects.get(action="website.created", target_id=response.json()["id"])


def website_create_admin(c, account):
    response = c.admin.post(reverse("admin:accounts_website_add"), {"account": account.pk, "name": "Shop", "key": "shopkey",
                                                                     "domains": "", "allowed_origins": ""})
    assert response.status_code == 302
    return AuditEntry.objects.get(action="website.created")


def webhook_endpoint_create_admin(c, account):
    response = c.admin.post(reverse("admin:integrations_webhookendpoint_add"), {
        "account": account.pk, "url": "https://hooks.example.com/in", "event_types": ["call.completed"], "is_enabled": "on"})
    assert response.status_code == 302
    return AuditEntry.objects.get(action="webhook_endpoint.created")


def membership_add_admin(c, account):
    response = c.admin.post(reverse("admin:accounts_membership_add"), {
        "account": account.pk, "username": "carol", "email": "", "password": "violet-harbor-tangent-42", "role": "marketer"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    return AuditEntry.objects.get(action="membership.added", changes__user=[None, "carol"])


def membership_change_admin(c, account):
    membership = MembershipFactory(account=account, user=UserFactory(username="carol"), role="marketer")
    response = c.admin.post(reverse("admin:accounts_membership_change", args=[membership.pk]), {"role": "admin"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    return AuditEntry.objects.get(action="membership.changed", target_id=membership.pk)


def membership_remove_admin(c, account):
    membership = MembershipFactory(account=account, user=UserFactory(username="carol"), role="marketer")
    response = c.admin.post(reverse("admin:accounts_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert response.status_code == 302
    return AuditEntry.objects.get(action="membership.removed", target_id=membership.pk)


def telephony_settings_admin(c, account):
    response = c.admin.post(reverse("admin:telephony_telephonysettings_add"), {
        "account": account.pk, "provider": "twilio", "twilio_account_sid": "AC" + "3" * 32, "auth_token": "token-WXYZ"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    return AuditEntry.objects.get(action="telephony_settings.created")


def ga4_settings_admin(c, account):
    website = WebsiteFactory(account=account)
    response = c.admin.post(reverse("admin:integrations_ga4settings_add"), {
        "website": website.pk, "measurement_id": "G-ABC1234", "is_enabled": "on", "event_name": "phone_call",
        "new_api_secret": "secret-WXYZ"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    return AuditEntry.objects.get(action="ga4_settings.created")


def _account_form(account, **changes):
    return {"name": account.name, "default_region": account.default_region, "timezone": account.timezone,
            "currency": account.currency, "memberships-TOTAL_FORMS": 0, "memberships-INITIAL_FORMS": 0, **changes}


def account_update_admin(c, account):
    response = c.admin.post(reverse("admin:accounts_account_change", args=[account.pk]),
                            _account_form(account, name="Alice Renamed", currency="EUR"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    return AuditEntry.objects.get(action="account.changed", target_id=account.pk)


WRITES = [pool_update_admin, pool_update_api, pool_retire_admin, pool_retire_api, tracker_update_admin, tracker_update_api,
          call_outcome_admin, call_outcome_api, call_outcome_dashboard, pool_provision_admin, pool_provision_dashboard,
          pool_provision_command, pool_enforce_scheduler, pool_enforce_command, pool_enforce_api, website_create_api,
          website_create_admin, webhook_endpoint_create_admin, membership_add_admin, membership_change_admin,
          membership_remove_admin, telephony_settings_admin, ga4_settings_admin,
          account_update_admin]


class Clients:
    def __init__(self, admin, api):
        self.admin, self.api = admin, api


@pytest.mark.parametrize("write", WRITES, ids=[write.__name__ for write in WRITES])
def test_every_write_records_who_made_it_from_every_face(write, admin_client_for_account, api_client, account, account_admin):
    face = write.__name__.rsplit("_", 1)[1]
    token = ApiToken.objects.get(account=account, scope="write")
    expected = {
        "admin": (account_admin, "alice-admin (admin)"),
        "dashboard": (account_admin, "alice-admin (dashboard)"),
        "api": (None, f"API token {token.key_hint}… (api)"),
        "command": (None, f"{'provision_numbers' if 'provision' in write.__name__ else 'enforce_pools'} (command)"),
        "scheduler": (None, RULES_ENGINE),
    }[face]

    row = write(Clients(admin_client_for_account, api_client), account)

    assert row is not None
    assert (row.actor, row.actor_label) == expected


def test_an_api_write_names_the_person_who_made_the_token(account, account_admin):
    from rest_framework.test import APIClient

    from api.services import api_token_create

    token, key = api_token_create(account=account, scope="write", actor=Actor.person(account_admin, via="admin"))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    pool = PoolFactory(account=account)

    assert client.patch(f"/api/v1/pools/{pool.pk}/", {"name": "Renamed"}, format="json").status_code == 200

    change = PoolChange.objects.get(pool=pool)
    assert (change.actor, change.actor_label) == (account_admin, f"API token {token.key_hint}… (api)")

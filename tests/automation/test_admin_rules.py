"""Automation rules in the admin: saved by the same service as the API and the dashboard; refusals are form errors;
another account's rules are out of sight."""

import json

import pytest
from django.urls import reverse

from accounts.models import AuditEntry
from automation.models import AutomationRule, RuleApplyJob
from automation.services import rule_create

pytestmark = pytest.mark.django_db

ADD = reverse("admin:automation_automationrule_add")


def _form(account, **kw):
    return {"account": account.pk, "name": "Long calls", "enabled": "on", "position": "1",
            "conditions": json.dumps([{"field": "talk_seconds", "op": "gte", "value": "60"}]),
            "actions": json.dumps([{"type": "add_tag", "value": "long call"}]),
            "business_hours": json.dumps({"hours": [], "holidays": []}), **kw}


def test_an_admin_adds_a_rule_through_the_service(admin_client_for_account, account):
    response = admin_client_for_account.post(ADD, _form(account))
    assert response.status_code == 302, response.content
    rule = AutomationRule.objects.get()
    assert rule.conditions == [{"field": "talk_seconds", "op": "gte", "value": 60}]  # cleaned by the service
    assert AuditEntry.objects.get(action="automation_rule.created").actor_label == "alice-admin (admin)"


def test_a_refusal_is_a_form_error_and_nothing_is_saved(admin_client_for_account, account):
    response = admin_client_for_account.post(ADD, _form(account, actions=json.dumps([{"type": "set_score", "value": 7}])))
    assert response.status_code == 200 and "a number from 1 to 5" in response.content.decode()
    assert not AutomationRule.objects.exists()


def test_changing_the_position_in_the_admin_reorders(admin_client_for_account, account):
    rule_create(account=account, name="a", conditions=[], actions=[{"type": "mark_spam"}])
    b = rule_create(account=account, name="b", conditions=[], actions=[{"type": "mark_spam"}])
    response = admin_client_for_account.post(reverse("admin:automation_automationrule_change", args=[b.pk]), {
        **_form(account, name="b", position="1", actions=json.dumps(b.actions), conditions="[]")})
    assert response.status_code == 302
    assert list(AutomationRule.objects.values_list("name", "position")) == [("b", 1), ("a", 2)]


def test_another_accounts_rules_are_not_listed(admin_client_for_account, other_account):
    rule_create(account=other_account, name="Bob's rule", conditions=[], actions=[{"type": "mark_spam"}])
    listing = admin_client_for_account.get(reverse("admin:automation_automationrule_changelist")).content.decode()
    assert "Bob&#x27;s rule" not in listing and "Bob's rule" not in listing


def test_the_apply_action_starts_a_job(admin_client_for_account, account, django_capture_on_commit_callbacks):
    rule = rule_create(account=account, name="a", conditions=[], actions=[{"type": "mark_spam"}])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_for_account.post(reverse("admin:automation_automationrule_changelist"),
                                      {"action": "apply_last_30_days", "_selected_action": [rule.pk]})
    job = RuleApplyJob.objects.get()
    assert job.status == "done" and job.actor_label == "alice-admin (admin)"

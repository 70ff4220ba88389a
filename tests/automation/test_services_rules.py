"""Writing rules: checked, ordered, audited; the same service behind the admin, the API and the dashboard."""

import pytest

from accounts.models import AuditEntry
from automation.models import AutomationRule
from automation.services import rule_create, rule_delete, rule_preview, rule_update
from core.errors import DomainError
from tests.factories import CallFactory, PoolFactory

LONG = [{"field": "talk_seconds", "op": "gte", "value": 60}]
TAG = [{"type": "add_tag", "value": "long call"}]

pytestmark = pytest.mark.django_db


def _names(account):
    return list(AutomationRule.objects.filter(account=account).order_by("position").values_list("name", "position"))


def test_a_new_rule_goes_last_and_is_audited(account):
    rule_create(account=account, name="First", conditions=LONG, actions=TAG)
    rule = rule_create(account=account, name="Second", conditions=[], actions=[{"type": "mark_spam"}], actor="alice")
    assert _names(account) == [("First", 1), ("Second", 2)]
    entry = AuditEntry.objects.get(action="automation_rule.created", target_id=rule.pk)
    assert entry.actor_label == "alice" and entry.changes["name"] == [None, "Second"]


def test_moving_a_rule_renumbers_the_others(account):
    for name in ("a", "b", "c"):
        rule_create(account=account, name=name, conditions=[], actions=TAG)
    c = AutomationRule.objects.get(name="c")
    rule_update(rule=c, position=1)
    assert _names(account) == [("c", 1), ("a", 2), ("b", 3)]
    rule_update(rule=AutomationRule.objects.get(name="c"), position=99)  # past the end: last
    assert _names(account) == [("a", 1), ("b", 2), ("c", 3)]
    rule_delete(rule=AutomationRule.objects.get(name="a"))
    assert _names(account) == [("b", 1), ("c", 2)]


def test_a_rule_created_at_a_position_pushes_the_rest_down(account):
    rule_create(account=account, name="a", conditions=[], actions=TAG)
    rule_create(account=account, name="b", conditions=[], actions=TAG, position=1)
    assert _names(account) == [("b", 1), ("a", 2)]


def test_names_are_unique_per_account_in_any_case(account, other_account):
    rule_create(account=account, name="Long calls", conditions=LONG, actions=TAG)
    rule_create(account=other_account, name="Long calls", conditions=LONG, actions=TAG)  # another account: fine
    with pytest.raises(DomainError) as refused:
        rule_create(account=account, name="long CALLS", conditions=LONG, actions=TAG)
    assert refused.value.code == "conflict"


def test_a_pool_of_another_account_is_refused(account, other_account):
    theirs = PoolFactory(account=other_account)
    with pytest.raises(DomainError) as refused:
        rule_create(account=account, name="x", conditions=[{"field": "pool", "op": "eq", "value": theirs.pk}], actions=TAG)
    assert "conditions" in refused.value.fields


def test_notify_names_only_members_of_the_account(account, marketer, other_admin):
    rule_create(account=account, name="ok", conditions=[], actions=[{"type": "notify", "value": [marketer.pk, "ops@example.com"]}])
    with pytest.raises(DomainError):
        rule_create(account=account, name="no", conditions=[], actions=[{"type": "notify", "value": [other_admin.pk]}])


def test_an_update_changes_only_what_is_given_and_records_it(account):
    rule = rule_create(account=account, name="r", conditions=LONG, actions=TAG)
    rule = rule_update(rule=rule, enabled=False, actor="bob")
    assert (rule.enabled, rule.conditions, rule.actions) == (False, LONG, TAG)
    entry = AuditEntry.objects.get(action="automation_rule.changed")
    assert entry.changes == {"enabled": [True, False]} and entry.actor_label == "bob"


def test_bad_input_changes_nothing(account):
    rule = rule_create(account=account, name="r", conditions=LONG, actions=TAG)
    with pytest.raises(DomainError):
        rule_update(rule=rule, actions=[{"type": "set_score", "value": 0}])
    rule.refresh_from_db()
    assert rule.actions == TAG


def test_the_database_refuses_an_empty_name_and_position_zero(account):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        AutomationRule.objects.create(account=account, name="", actions=TAG)
    with pytest.raises(IntegrityError), transaction.atomic():
        AutomationRule.objects.create(account=account, name="x", position=0, actions=TAG)


def test_the_preview_counts_the_last_30_days_final_calls_the_conditions_match(account, tracker):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    for talk in (10, 70, 120):
        CallFactory(tracker=tracker, talk_seconds=talk, started_at=now - timedelta(days=2))
    CallFactory(tracker=tracker, talk_seconds=500, started_at=now - timedelta(days=40))  # too old
    CallFactory(tracker=tracker, talk_seconds=500, status="in-progress", started_at=now)  # not final
    assert rule_preview(account=account, conditions=LONG, now=now) == (2, 3)

"""The automation rules pages: list (in order, move, enable), the rule form (create, edit, errors, preview), apply to
past calls with its progress, and the call page's trace. Writes go through automation.services."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from automation.models import AutomationRule, RuleApplyJob
from automation.services import rule_create, rules_run
from calls.models import Call
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db

LIST = reverse("dashboard:rule_list")
CREATE = reverse("dashboard:rule_create")
PREVIEW = reverse("dashboard:rule_preview")


def _rule(account, name="Long calls", **kw):
    return rule_create(account=account, name=name, conditions=kw.pop("conditions", [{"field": "talk_seconds", "op": "gte", "value": 60}]),
                       actions=kw.pop("actions", [{"type": "add_tag", "value": "long call"}]), **kw)


FORM = {"name": "Paid leads", "enabled": "on", "c0_field": "medium", "c0_op": "eq", "c0_value": "cpc",
        "c1_field": "talk_seconds", "c1_op": "gte", "c1_value": "60", "c2_field": "", "c2_op": "eq", "c2_value": "",
        "a0_type": "set_outcome", "a0_value": "lead", "a1_type": "add_tag", "a1_value": "paid",
        "days": ["0", "1", "2", "3", "4"], "open": "09:00", "close": "17:00", "holidays": "2026-12-25"}


def test_the_list_shows_rules_in_order_with_what_they_do(marketer_client, account):
    _rule(account, "Second")
    _rule(account, "First", position=1)
    page = marketer_client.get(LIST).content.decode()
    assert page.index("First") < page.index("Second")
    assert "Talk time (seconds) at least 60" in page and "Add tag: long call" in page


def test_a_marketer_creates_a_rule_from_the_form(marketer_client, account, marketer):
    response = marketer_client.post(CREATE, FORM)
    rule = AutomationRule.objects.get(account=account)
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:rule_edit", args=[rule.pk])
    assert rule.conditions == [{"field": "medium", "op": "eq", "value": "cpc"}, {"field": "talk_seconds", "op": "gte", "value": 60}]
    assert rule.actions == [{"type": "set_outcome", "value": "lead"}, {"type": "add_tag", "value": "paid"}]
    assert rule.business_hours == {"hours": [{"days": [0, 1, 2, 3, 4], "open": "09:00", "close": "17:00"}],
                                   "holidays": ["2026-12-25"]}


def test_bad_input_shows_the_form_again_with_the_services_message(marketer_client, account):
    response = marketer_client.post(CREATE, {**FORM, "a0_type": "set_score", "a0_value": "9"})
    assert response.status_code == 400
    assert "a number from 1 to 5" in response.content.decode()
    assert response.context["form"]["name"].value() == "Paid leads"  # what was typed stays
    assert not AutomationRule.objects.exists()


def test_editing_keeps_the_rows_and_saves_changes(marketer_client, account):
    rule = _rule(account)
    page = marketer_client.get(reverse("dashboard:rule_edit", args=[rule.pk])).content.decode()
    assert 'value="long call"' in page
    marketer_client.post(reverse("dashboard:rule_save", args=[rule.pk]), {**FORM, "name": "Renamed"})
    rule.refresh_from_db()
    assert rule.name == "Renamed" and rule.actions[0] == {"type": "set_outcome", "value": "lead"}


def test_the_edit_page_says_how_many_recent_calls_the_rule_would_have_matched(marketer_client, account, tracker):
    for talk in (90, 120, 5):
        CallFactory(tracker=tracker, talk_seconds=talk)
    rule = _rule(account)
    page = marketer_client.get(reverse("dashboard:rule_edit", args=[rule.pk])).content.decode()
    assert "would have matched 2 of the last 30 days' 3 calls" in page



def test_preview_counts_the_posted_conditions_without_saving(marketer_client, account, tracker):
    CallFactory(tracker=tracker, talk_seconds=90, medium="cpc")
    CallFactory(tracker=tracker, talk_seconds=90, medium="organic")
    response = marketer_client.post(PREVIEW, FORM)
    assert "would have matched 1 of the last 30 days' 2 calls" in response.content.decode()
    assert not AutomationRule.objects.exists()


def test_moving_and_disabling_go_through_the_service(marketer_client, account):
    _rule(account, "a"), _rule(account, "b")
    b = AutomationRule.objects.get(name="b")
    marketer_client.post(reverse("dashboard:rule_move", args=[b.pk]), {"position": "1"})
    marketer_client.post(reverse("dashboard:rule_toggle", args=[b.pk]), {"enabled": "0"})
    assert list(AutomationRule.objects.values_list("name", "position", "enabled")) == [("b", 1, False), ("a", 2, True)]


def test_apply_to_past_calls_runs_in_the_worker_and_its_progress_is_polled(
        marketer_client, account, tracker, django_capture_on_commit_callbacks):
    call = CallFactory(tracker=tracker, talk_seconds=90)
    rule = _rule(account)
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        marketer_client.post(reverse("dashboard:rule_apply", args=[rule.pk]),
                             {"start": str(today.replace(day=1) if today.day > 1 else today), "end": str(today)})
    job = RuleApplyJob.objects.get()
    assert marketer_client.get(reverse("dashboard:rule_job", args=[job.pk])).json() == {
        "id": job.pk, "status": "done", "processed": 1, "total": 1, "matched": 1, "changed": 1, "percent": 100, "error": ""}
    assert [t.name for t in Call.objects.get(pk=call.pk).tags.all()] == ["long call"]
    page = marketer_client.get(reverse("dashboard:rule_edit", args=[rule.pk])).content.decode()
    assert "Done: 1 call, 1 matched, 1 changed" in page


def test_the_call_page_shows_which_rule_did_what(marketer_client, account, tracker):
    call = CallFactory(tracker=tracker, talk_seconds=90)
    _rule(account, actions=[{"type": "add_tag", "value": "long call"}, {"type": "mark_spam"}])
    rules_run(call_id=call.pk, trigger="completed")
    page = marketer_client.get(reverse("dashboard:call_detail", args=[call.pk])).content.decode()
    assert "Long calls</strong>: Add tag: long call" in page and "when the call ended" in page
    assert "Long calls (rule)" in page  # the history names the rule as the actor


def test_another_accounts_rule_is_404(marketer_client, other_account):
    rule = _rule(other_account)
    assert marketer_client.get(reverse("dashboard:rule_edit", args=[rule.pk])).status_code == 404
    assert marketer_client.post(reverse("dashboard:rule_save", args=[rule.pk]), FORM).status_code == 404
    assert marketer_client.post(reverse("dashboard:rule_delete", args=[rule.pk])).status_code == 404
    job = RuleApplyJob.objects.create(account=other_account, rule=rule, start_date="2026-01-01", end_date="2026-01-02",
                                      actor_label="x", created_at=timezone.now())
    assert marketer_client.get(reverse("dashboard:rule_job", args=[job.pk])).status_code == 404


def test_anonymous_is_sent_to_login_and_writes_need_post(marketer_client):
    assert Client().get(LIST).status_code == 302
    assert marketer_client.get(CREATE).status_code == 405
    assert marketer_client.post(LIST).status_code == 405


def test_delete_removes_the_rule(marketer_client, account):
    rule = _rule(account)
    marketer_client.post(reverse("dashboard:rule_delete", args=[rule.pk]))
    assert not AutomationRule.objects.exists()

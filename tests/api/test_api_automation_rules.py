"""/api/v1/automation-rules/: CRUD through the same service as the admin and the dashboard, reorder by PATCH
position, apply to past calls as a worker task with progress, the preview, and the call's rule trace."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import AuditEntry
from automation.models import AutomationRule, RuleApplyJob
from automation.services import rule_create, rules_run
from tests.api.conftest import error
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/automation-rules/"
LONG = {"name": "Long calls", "conditions": [{"field": "talk_seconds", "op": "gte", "value": 60}],
        "actions": [{"type": "add_tag", "value": "long call"}]}


@pytest.fixture
def tracker(account, website):
    return CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)


def _call(tracker, talk, days_ago=1):
    started = timezone.now() - timedelta(days=days_ago)
    return CallFactory(tracker=tracker, talk_seconds=talk, answered_at=started, started_at=started)


def test_create_returns_the_contract_shape_and_records_the_token(api_client, account):
    response = api_client.post(URL, LONG, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert {key: body[key] for key in ("name", "position", "enabled", "conditions", "actions")} == {
        **LONG, "position": 1, "enabled": True}
    assert body["business_hours"]["hours"] == [{"days": [0, 1, 2, 3, 4], "open": "09:00", "close": "17:00"}]
    assert AuditEntry.objects.get(action="automation_rule.created").actor_label.startswith("API token")


def test_list_is_in_order_and_patch_position_reorders(api_client, account):
    for name in ("a", "b", "c"):
        rule_create(account=account, name=name, conditions=[], actions=[{"type": "mark_spam"}])
    c = AutomationRule.objects.get(name="c")
    assert api_client.patch(f"{URL}{c.pk}/", {"position": 1}, format="json").status_code == 200
    assert [(r["name"], r["position"]) for r in api_client.get(URL).json()["results"]] == [("c", 1), ("a", 2), ("b", 3)]


def test_bad_conditions_answer_400_in_the_error_shape(api_client):
    response = api_client.post(URL, {**LONG, "conditions": [{"field": "talk_seconds", "op": "contains", "value": 1}]},
                               format="json")
    assert response.status_code == 400
    assert error(response)["code"] == "invalid" and "conditions" in error(response)["fields"]


def test_a_duplicate_name_is_409(api_client, account):
    rule_create(account=account, name="Long calls", conditions=[], actions=[{"type": "mark_spam"}])
    assert api_client.post(URL, LONG, format="json").status_code == 409


def test_another_accounts_rule_is_404(other_client, account):
    rule = rule_create(account=account, name="mine", conditions=[], actions=[{"type": "mark_spam"}])
    assert other_client.get(f"{URL}{rule.pk}/").status_code == 404
    assert other_client.patch(f"{URL}{rule.pk}/", {"enabled": False}, format="json").status_code == 404
    assert other_client.delete(f"{URL}{rule.pk}/").status_code == 404
    assert other_client.post(f"{URL}{rule.pk}/apply", {"start": "2026-01-01", "end": "2026-01-02"}, format="json").status_code == 404
    assert other_client.get(URL).json()["results"] == []


def test_anonymous_is_401_and_a_read_token_cannot_write(anon_client, read_client):
    assert anon_client.get(URL).status_code == 401
    assert read_client.get(URL).status_code == 200
    assert read_client.post(URL, LONG, format="json").status_code == 403


def test_wrong_method_is_405(api_client, account):
    rule = rule_create(account=account, name="r", conditions=[], actions=[{"type": "mark_spam"}])
    assert api_client.get(f"{URL}{rule.pk}/apply").status_code == 405


def test_delete_removes_the_rule(api_client, account):
    rule = rule_create(account=account, name="r", conditions=[], actions=[{"type": "mark_spam"}])
    assert api_client.delete(f"{URL}{rule.pk}/").status_code == 204
    assert not AutomationRule.objects.exists()


@pytest.mark.django_db(transaction=True)  # commits for real: the task is queued (and, Q_SYNC, run) before the answer
def test_apply_runs_the_rule_over_past_calls_in_the_worker_and_reports_progress(api_client, account, tracker):
    long_one, short_one = _call(tracker, 90), _call(tracker, 5)
    _call(tracker, 300, days_ago=20)  # outside the range
    rule = rule_create(account=account, name="Long calls", conditions=LONG["conditions"], actions=LONG["actions"])
    today = timezone.localdate(timezone=ZoneInfo(account.timezone))
    response = api_client.post(f"{URL}{rule.pk}/apply", {"start": str(today - timedelta(days=3)), "end": str(today)},
                               format="json")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["task_id"] and body["job"]["task_id"] == body["task_id"]
    job = api_client.get(f"/api/v1/automation-jobs/{body['job']['id']}/").json()
    assert (job["status"], job["total"], job["processed"], job["matched"], job["changed"]) == ("done", 2, 2, 1, 1)
    assert [t.name for t in long_one.tags.all()] == ["long call"] and not short_one.tags.exists()
    # Applying again changes nothing more.
    again = api_client.post(f"{URL}{rule.pk}/apply", {"start": str(today - timedelta(days=3)), "end": str(today)},
                            format="json").json()
    assert RuleApplyJob.objects.get(pk=again["job"]["id"]).changed == 0


def test_apply_with_a_reversed_range_is_400(api_client, account):
    rule = rule_create(account=account, name="r", conditions=[], actions=[{"type": "mark_spam"}])
    response = api_client.post(f"{URL}{rule.pk}/apply", {"start": "2026-02-02", "end": "2026-02-01"}, format="json")
    assert response.status_code == 400 and "end" in error(response)["fields"]


def test_preview_counts_the_last_30_days(api_client, tracker):
    _call(tracker, 90), _call(tracker, 10), _call(tracker, 200, days_ago=45)
    response = api_client.post(f"{URL}preview", {"conditions": LONG["conditions"]}, format="json")
    assert response.json() == {"matched": 1, "calls": 2, "days": 30}


def test_a_calls_rule_trace_says_which_rule_did_what(api_client, other_client, account, tracker):
    call = _call(tracker, 90)
    rule_create(account=account, name="Long calls", conditions=LONG["conditions"],
                actions=[{"type": "add_tag", "value": "long call"}, {"type": "set_score", "value": 5}])
    rules_run(call_id=call.pk, trigger="completed")
    trace = api_client.get(f"/api/v1/calls/{call.pk}/rule-trace/").json()
    assert [(t["rule_name"], t["trigger"], t["action"], t["value"], t["status"]) for t in trace] == [
        ("Long calls", "completed", "add_tag", "long call", "applied"),
        ("Long calls", "completed", "set_score", 5, "applied")]
    assert other_client.get(f"/api/v1/calls/{call.pk}/rule-trace/").status_code == 404

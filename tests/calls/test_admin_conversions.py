"""Conversion rules and call outcomes in the admin go through the same services as the API and dashboard."""

from decimal import Decimal

import pytest
from django.urls import reverse

from calls.models import Call, CallOutcomeChange, ConversionRule
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, WebsiteFactory

pytestmark = pytest.mark.django_db


def test_adding_a_rule_recomputes_the_websites_calls(admin_client_for_account, website, active_tracker,
                                                      django_capture_on_commit_callbacks):
    call = CallFactory(tracker=active_tracker, answered_at=active_tracker.activated_at, talk_seconds=20)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_for_account.post(reverse("admin:calls_conversionrule_add"), {
            "website": website.pk, "min_seconds": "15", "value": "35.00",
        })
    assert response.status_code == 302
    rule = ConversionRule.objects.get(website=website)
    assert (rule.min_seconds, rule.first_time_only, rule.value) == (15, False, Decimal("35.00"))
    call.refresh_from_db()
    assert (call.is_conversion, call.conversion_value) == (True, Decimal("35.00"))


def test_a_negative_value_is_refused_with_a_form_error(admin_client_for_account, website):
    response = admin_client_for_account.post(reverse("admin:calls_conversionrule_add"), {
        "website": website.pk, "min_seconds": "15", "value": "-1",
    })
    assert response.status_code == 200 and not ConversionRule.objects.exists()


def test_account_admin_neither_sees_nor_picks_other_accounts_websites(admin_client_for_account, website, other_account):
    bob_site = WebsiteFactory(account=other_account, name="Bob site")
    ConversionRule.objects.create(website=bob_site, min_seconds=77)
    listing = admin_client_for_account.get(reverse("admin:calls_conversionrule_changelist")).content.decode()
    assert "Bob site" not in listing
    form = admin_client_for_account.get(reverse("admin:calls_conversionrule_add")).content.decode()
    assert "Bob site" not in form and website.name in form
    response = admin_client_for_account.post(reverse("admin:calls_conversionrule_add"), {
        "website": bob_site.pk, "min_seconds": "1", "value": "0",
    })
    assert response.status_code == 200
    assert ConversionRule.objects.get(website=bob_site).min_seconds == 77


def test_editing_a_calls_outcome_in_the_admin_keeps_history(admin_client_for_account, account, account_admin):
    call = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account), active=True))
    change_url = reverse("admin:calls_call_change", args=[call.pk])
    form = admin_client_for_account.get(change_url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update({"outcome": "lead", "value": "99", "note": "from admin",
                 "started_at_0": call.started_at.strftime("%Y-%m-%d"), "started_at_1": call.started_at.strftime("%H:%M:%S")})
    for prefix in ("outcome_history", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data = {key: (value.pk if hasattr(value, "pk") else value) for key, value in data.items()}
    data.pop("started_at", None)
    response = admin_client_for_account.post(change_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    call = Call.objects.get(pk=call.pk)
    assert (call.outcome, call.value, call.is_conversion) == ("lead", Decimal("99"), True)
    change = CallOutcomeChange.objects.get(call=call)
    assert (change.actor, change.actor_label) == (account_admin, f"{account_admin.username} (admin)")

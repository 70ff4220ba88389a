"""The call page's outcome form: POST calls/<pk>/outcome."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from calls.models import CallOutcomeChange, ConversionRule

pytestmark = pytest.mark.django_db


def _url(call):
    return reverse("dashboard:call_outcome", args=[call.pk])


def test_marketer_marks_a_call_as_a_sale(marketer_client, call, marketer):
    response = marketer_client.post(_url(call), {"outcome": "sale", "value": "300", "note": "New boiler"}, follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("dashboard:call_detail", args=[call.pk]))
    call.refresh_from_db()
    assert (call.outcome, call.value, call.note, call.is_conversion) == ("sale", Decimal("300"), "New boiler", True)
    assert CallOutcomeChange.objects.get(call=call).actor == marketer
    body = response.content.decode()
    assert "Saved. This call counts as a conversion." in body and "New boiler" in body


def test_account_admin_may_set_it_too(admin_client_for_account, call):
    admin_client_for_account.post(_url(call), {"outcome": "not_lead", "value": "", "note": ""})
    call.refresh_from_db()
    assert (call.outcome, call.is_conversion) == ("not_lead", False)


def test_call_page_shows_the_form_the_rule_and_the_history(marketer_client, call, website):
    ConversionRule.objects.create(website=website, min_seconds=45, value=Decimal("75"))
    marketer_client.post(_url(call), {"outcome": "lead", "value": "", "note": "Wants a quote"})
    body = marketer_client.get(reverse("dashboard:call_detail", args=[call.pk])).content.decode()
    assert 'name="csrfmiddlewaretoken"' in body and f'action="{_url(call)}' in body
    assert 'value="lead" checked' in body and "Wants a quote" in body
    assert "at least <strong>45 s</strong>" in body and "75.00 USD" in body
    assert "History (1)" in body and "marketer" in body


def test_bad_input_changes_nothing_and_says_why(marketer_client, call):
    response = marketer_client.post(_url(call), {"outcome": "spam", "value": "-2"}, follow=True)
    call.refresh_from_db()
    assert call.outcome == "" and not CallOutcomeChange.objects.exists()
    assert "The outcome was not saved." in response.content.decode()


def test_csrf_is_required(marketer, call):
    client = Client(enforce_csrf_checks=True)
    client.force_login(marketer)
    assert client.post(_url(call), {"outcome": "lead"}).status_code == 403
    call.refresh_from_db()
    assert call.outcome == ""


def test_another_accounts_call_is_404(marketer_client, other_call):
    assert marketer_client.post(_url(other_call), {"outcome": "lead"}).status_code == 404
    other_call.refresh_from_db()
    assert other_call.outcome == ""


def test_anonymous_is_redirected_to_login(client, call):
    assert client.post(_url(call), {"outcome": "lead"}).status_code == 302
    call.refresh_from_db()
    assert call.outcome == ""


def test_get_is_405(marketer_client, call):
    assert marketer_client.get(_url(call)).status_code == 405

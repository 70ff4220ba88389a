import pytest
from django.urls import reverse

from calls.reports import DIMENSIONS
from core.phones import phone_display
from tests.factories import CallFactory, VisitFactory


def _url(dimension="source_medium"):
    return reverse("dashboard:report", args=[dimension])


def test_source_medium_report_shows_calls_visits_and_conversion(marketer_client, call, visit, website):
    VisitFactory(website=website, source="google", medium="cpc")
    response = marketer_client.get(_url())
    assert response.status_code == 200
    [(row, width)] = response.context["rows"]
    assert (row.label, row.calls, row.visits, row.conversions, row.conversion_rate, width) == ("google / cpc", 1, 2, 0, 0.0, 100.0)
    assert "0.0%" in response.content.decode()


def test_report_shows_conversions_value_and_rate_of_visits(marketer_client, account, call, visit, website):
    from decimal import Decimal

    from calls.models import Call
    Call.objects.filter(pk=call.pk).update(is_conversion=True, conversion_value=Decimal("80.00"))
    VisitFactory(website=website, source="google", medium="cpc")
    response = marketer_client.get(_url())
    [(row, _)] = response.context["rows"]
    assert (row.conversions, row.value, row.conversion_rate) == (1, Decimal("80.00"), 0.5)
    totals = response.context["totals"]
    assert (totals["conversions"], totals["value"], totals["conversion_rate"]) == (1, Decimal("80.00"), 0.5)
    body = response.content.decode()
    assert f"Value ({account.currency})" in body and "80.00" in body and "50.0%" in body


@pytest.mark.parametrize("dimension", list(DIMENSIONS))
def test_every_dimension_renders(marketer_client, call, visit, dimension):
    response = marketer_client.get(_url(dimension))
    assert response.status_code == 200
    assert response.context["totals"]["calls"] == 1


def test_default_report_is_source_medium(marketer_client, call):
    response = marketer_client.get(reverse("dashboard:report_default"))
    assert response.context["dimension"].name == "source_medium"


def test_unknown_dimension_is_404(marketer_client, db):
    assert marketer_client.get(_url("password")).status_code == 404


def test_another_accounts_rows_never_appear(marketer_client, call, other_call):
    for dimension in DIMENSIONS:
        body = marketer_client.get(_url(dimension)).content.decode()
        for secret in ["bobsource", "bob-campaign", "Bob secret pool", phone_display(other_call.tracking_number)]:
            assert secret not in body, (dimension, secret)


def test_empty_report_says_what_to_do(marketer_client, db):
    assert "Nothing to report for this period." in marketer_client.get(_url()).content.decode()


def test_anonymous_is_redirected_to_login(client):
    assert client.get(_url()).status_code == 302


def test_report_query_count_is_pinned(marketer_client, tracker, django_assert_num_queries):
    for source in ["a", "b", "c"]:
        CallFactory(tracker=tracker, source=source)
    # session, user, membership, websites, rollup state, calls grouped, visits grouped
    with django_assert_num_queries(7):
        marketer_client.get(_url())

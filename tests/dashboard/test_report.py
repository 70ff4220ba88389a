from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from core.phones import phone_display
from reports.aggregates import DIMENSIONS
from tests.factories import CallFactory, VisitFactory


def _url(dimension="source_medium"):
    return reverse("dashboard:report", args=[dimension])


def test_source_medium_report_shows_calls_visits_and_conversion(marketer_client, call, visit, website):
    VisitFactory(website=website, source="google", medium="cpc")
    response = marketer_client.get(_url())
    assert response.status_code == 200
    [item] = response.context["rows"]
    row = item.row
    assert (row.label, row.calls, row.visits, row.conversions, row.conversion_rate, item.width) == ("google / cpc", 1, 2, 0, 0.0, 100.0)
    assert "0.0%" in response.content.decode()


def test_report_shows_conversions_value_and_rate_of_visits(marketer_client, account, call, visit, website):
    from decimal import Decimal

    from calls.models import Call
    Call.objects.filter(pk=call.pk).update(is_conversion=True, conversion_value=Decimal("80.00"))
    VisitFactory(website=website, source="google", medium="cpc")
    response = marketer_client.get(_url())
    [item] = response.context["rows"]
    row = item.row
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
    # session, user, membership, websites, rollup state, calls grouped, visits grouped; the same three for the
    # previous period (the Δ column)
    with django_assert_num_queries(10):
        marketer_client.get(_url())


def _today(tracker):
    return timezone.now().astimezone(ZoneInfo(tracker.pool.account.timezone)).date()


def _calls(tracker, source, medium, count, days_ago):
    """`count` calls at noon, `days_ago` days ago in the account's time zone."""
    zone = ZoneInfo(tracker.pool.account.timezone)
    at = datetime.combine(_today(tracker) - timedelta(days=days_ago), time(12), tzinfo=zone)
    for _ in range(count):
        CallFactory(tracker=tracker, source=source, medium=medium, started_at=at)


def test_rows_link_to_the_calls_log_filtered_by_that_row(marketer_client, tracker):
    _calls(tracker, "google", "cpc", 2, 1)
    _calls(tracker, "bing", "cpc", 1, 1)
    response = marketer_client.get(_url(), {"range": "7"})
    google = next(item for item in response.context["rows"] if item.row.label == "google / cpc")
    assert google.drill == "range=7&source=google&medium=cpc"
    assert f'href="{reverse("dashboard:call_list")}?range=7&amp;source=google&amp;medium=cpc"' in response.content.decode()
    drilled = marketer_client.get(f"{reverse('dashboard:call_list')}?{google.drill}")
    assert len(drilled.context["calls"]) == 2 and {c.source for c in drilled.context["calls"]} == {"google"}


def test_columns_sort_server_side_and_bad_sorts_fall_back(marketer_client, tracker):
    _calls(tracker, "google", "cpc", 3, 1)
    _calls(tracker, "bing", "cpc", 1, 1)
    _calls(tracker, "aol", "cpc", 2, 1)

    def labels(sort):
        return [item.row.label for item in marketer_client.get(_url(), {"sort": sort}).context["rows"]]
    assert labels("-calls") == ["google / cpc", "aol / cpc", "bing / cpc"]
    assert labels("calls") == ["bing / cpc", "aol / cpc", "google / cpc"]
    assert labels("label") == ["aol / cpc", "bing / cpc", "google / cpc"]
    assert labels("nonsense") == labels("-calls")
    body = marketer_client.get(_url(), {"sort": "label"}).content.decode()
    assert 'aria-sort="ascending"' in body and "sort=-label" in body
    # The range chips keep the sort.
    assert "range=7&amp;sort=label" in body


def test_rows_and_totals_compare_with_the_previous_period(marketer_client, tracker):
    _calls(tracker, "google", "cpc", 3, 1)      # this week
    _calls(tracker, "google", "cpc", 2, 9)      # the week before
    _calls(tracker, "bing", "cpc", 1, 1)        # new this week
    response = marketer_client.get(_url(), {"range": "7"})
    by_label = {item.row.label: item for item in response.context["rows"]}
    assert (by_label["google / cpc"].previous_calls, by_label["google / cpc"].calls_change) == (2, 0.5)
    assert by_label["bing / cpc"].calls_change is None
    assert response.context["totals_change"]["calls"] == 1.0  # 4 against 2
    body = response.content.decode()
    assert "▲ 50%" in body and "▲ 100%" in body


def test_overview_kpis_compare_with_the_previous_period(marketer_client, tracker):
    _calls(tracker, "google", "cpc", 1, 1)
    _calls(tracker, "google", "cpc", 4, 10)
    response = marketer_client.get(reverse("dashboard:overview"), {"range": "7"})
    assert response.context["changes"]["calls"] == -0.75
    assert "▼ 75%" in response.content.decode()


@pytest.mark.parametrize(("preset", "label"), [("today", "Today"), ("yesterday", "Yesterday"),
                                               ("month", "This month"), ("last-month", "Last month")])
def test_calendar_presets_pick_their_days(marketer_client, tracker, preset, label):
    _calls(tracker, "google", "cpc", 1, 0)
    _calls(tracker, "google", "cpc", 2, 1)
    response = marketer_client.get(_url(), {"range": preset})
    filters = response.context["filters"]
    assert filters.label == label
    assert f'class="chip on" href="?range={preset}"' in response.content.decode()
    calls = response.context["totals"]["calls"]
    today = _today(tracker)
    expected = {"today": 1, "yesterday": 2, "last-month": 0,
                "month": 1 + (2 if today.day > 1 else 0)}[preset]
    if preset == "last-month" and today.day == 1:
        expected = 2
    assert calls == expected


def test_tracker_report_shows_the_numbers_names(marketer_client, tracker, other_call):
    from trackers.services import tracker_rename

    tracker_rename(tracker=tracker, name="Yellow pages ad")
    tracker_rename(tracker=other_call.tracker, name="Bob secret ad")
    _calls(tracker, "google", "cpc", 1, 1)
    body = marketer_client.get(_url("tracker")).content.decode()
    assert "Yellow pages ad" in body and phone_display(tracker.tracking_number) in body
    assert "Bob secret ad" not in body


def _conversions(tracker, count, value, days_ago):
    zone = ZoneInfo(tracker.pool.account.timezone)
    at = datetime.combine(_today(tracker) - timedelta(days=days_ago), time(12), tzinfo=zone)
    for _ in range(count):
        CallFactory(tracker=tracker, source="google", medium="cpc", started_at=at, is_conversion=True,
                    conversion_value=Decimal(value))


def test_report_rows_and_totals_compare_conversions_and_value_with_the_previous_period(marketer_client, tracker):
    _conversions(tracker, 3, "50.00", 1)     # this week: 3 conversions, 150.00
    _conversions(tracker, 2, "100.00", 9)    # the week before: 2 conversions, 200.00
    response = marketer_client.get(_url(), {"range": "7"})
    (google,) = response.context["rows"]
    assert (google.conversions_change, google.value_change) == (0.5, -0.25)
    assert (response.context["totals_change"]["conversions"], response.context["totals_change"]["value"]) == (0.5, -0.25)
    body = response.content.decode()
    # ▲ 50 %: calls and conversions of the row; calls, first-time callers and conversions of the total
    assert body.count("▲ 50%") == 5 and body.count("▼ 25%") == 2


def test_overview_compares_conversions_and_value_with_the_previous_period(marketer_client, tracker):
    _conversions(tracker, 3, "50.00", 1)
    _conversions(tracker, 2, "100.00", 9)
    response = marketer_client.get(reverse("dashboard:overview"), {"range": "7"})
    assert (response.context["changes"]["conversions"], response.context["changes"]["value"]) == (0.5, -0.25)
    body = response.content.decode()
    assert "Conversions <span class=\"delta good\">▲ 50%</span>" in body
    assert "Value <span class=\"delta bad\">▼ 25%</span>" in body


def test_a_long_report_shows_its_first_rows_in_the_chosen_order_and_totals_them_all(marketer_client, tracker, monkeypatch):
    from dashboard import views

    monkeypatch.setattr(views, "REPORT_ROWS_SHOWN", 2)
    _calls(tracker, "google", "cpc", 3, 1)
    _calls(tracker, "bing", "cpc", 1, 1)
    _calls(tracker, "aol", "cpc", 2, 1)
    response = marketer_client.get(_url(), {"sort": "label"})
    assert [item.row.label for item in response.context["rows"]] == ["aol / cpc", "bing / cpc"]
    assert response.context["totals"]["calls"] == 6
    assert "The first 2 of 3 rows in this order" in response.content.decode()
    monkeypatch.setattr(views, "REPORT_ROWS_SHOWN", 3)
    assert "The first" not in marketer_client.get(_url()).content.decode()

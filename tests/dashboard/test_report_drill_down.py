"""Every report row opens the calls log filtered to exactly that row's calls, empty values included (issue 27)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reports.aggregates import DIMENSIONS
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory

CALLS = reverse("dashboard:call_list")


@pytest.fixture
def varied_calls(tracker, pool, website, account):
    """Calls that differ in every dimension, each dimension with an empty value among them."""
    other_tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website, name="Second line"), active=True)
    at = timezone.now() - timedelta(hours=1)
    calls = [
        CallFactory(tracker=tracker, started_at=at, source="google", medium="cpc", campaign="spring-sale",
                    term="emergency plumber", landing_page="https://Localhost/pricing?gclid=1"),
        CallFactory(tracker=tracker, started_at=at, source="google", medium="cpc", campaign="spring-sale",
                    term="(not set)", landing_page="https://localhost/pricing/?gclid=2"),
        CallFactory(tracker=tracker, started_at=at, source="google", medium="", campaign="", term="",
                    landing_page="https://localhost/"),
        CallFactory(tracker=other_tracker, started_at=at, source="", medium="", campaign="", term="", landing_page=""),
        CallFactory(tracker=other_tracker, started_at=at, source="bing", medium="cpc", campaign="",
                    term="(not provided)", landing_page="https://localhost/contact"),
    ]
    # A call from a number no longer in any pool: the pool report's empty row.
    calls.append(CallFactory(tracker=other_tracker, pool=None, started_at=at, source="facebook", medium="social"))
    return calls


@pytest.mark.parametrize("dimension", list(DIMENSIONS))
def test_every_row_of_every_report_drills_into_exactly_its_calls(marketer_client, varied_calls, other_call, dimension):
    rows = marketer_client.get(reverse("dashboard:report", args=[dimension])).context["rows"]
    assert rows and all(item.drill for item in rows if item.row.calls)
    for item in rows:
        drilled = marketer_client.get(f"{CALLS}?{item.drill}")
        assert drilled.status_code == 200
        assert len(drilled.context["calls"]) == item.row.calls, (dimension, item.row.label, item.drill)
        assert other_call not in drilled.context["calls"]


@pytest.mark.parametrize(("dimension", "label", "expected"), [
    ("campaign", "(not set)", {2, 3, 4, 5}),
    ("term", "(none)", {2, 3, 5}),
    ("source_medium", "google / (not set)", {2}),
    ("channel", "(not set)", {3}),
    ("landing_page", "(not set)", {3, 5}),
    ("pool", "(not set)", {5}),
])
def test_the_empty_row_drills_into_the_calls_without_that_value(marketer_client, varied_calls, dimension, label,
                                                                 expected):
    rows = marketer_client.get(reverse("dashboard:report", args=[dimension])).context["rows"]
    empty = next(item for item in rows if item.row.label == label)
    calls = marketer_client.get(f"{CALLS}?{empty.drill}").context["calls"]
    assert {varied_calls.index(call) for call in calls} == expected
    assert "blank=" in empty.drill


def test_the_keyword_report_tells_not_set_from_none(marketer_client, varied_calls):
    rows = {item.row.label: item for item in marketer_client.get(reverse("dashboard:report", args=["term"])).context["rows"]}
    not_set = marketer_client.get(f"{CALLS}?{rows['(not set)'].drill}").context["calls"]
    none = marketer_client.get(f"{CALLS}?{rows['(none)'].drill}").context["calls"]
    assert {call.term for call in not_set} == {"(not set)"} and {call.term for call in none} == {""}


def test_landing_page_rows_link_by_page_and_the_log_finds_a_page_typed_by_hand(marketer_client, varied_calls):
    rows = {item.row.label: item for item in
            marketer_client.get(reverse("dashboard:report", args=["landing_page"])).context["rows"]}
    assert rows["localhost/pricing"].drill.endswith("landing_page=localhost%2Fpricing")
    for typed in ("localhost/pricing", "LOCALHOST/pricing/", "https://localhost/pricing?utm_source=x"):
        assert len(marketer_client.get(CALLS, {"landing_page": typed}).context["calls"]) == 2, typed


def test_the_calls_log_filters_by_channel_and_by_a_tracking_number_typed_as_people_write_it(
        marketer_client, varied_calls, tracker):
    assert len(marketer_client.get(CALLS, {"channel": "paid search"}).context["calls"]) == 3
    national = f"({tracker.tracking_number[2:5]}) {tracker.tracking_number[5:8]}-{tracker.tracking_number[8:]}"
    calls = marketer_client.get(CALLS, {"tracking_number": national}).context["calls"]
    assert len(calls) == 3 and {call.tracking_number for call in calls} == {tracker.tracking_number}


def test_the_log_names_empty_value_filters_and_keeps_them_when_filtering_more(marketer_client, varied_calls):
    response = marketer_client.get(CALLS, {"blank": "campaign,term"})
    assert response.context["filter_words"] == ["campaign (not set)", "keyword (none)"]
    assert '<input type="hidden" name="blank" value="campaign,term">' in response.content.decode()


def test_bad_filter_values_are_named_in_a_message(marketer_client, varied_calls):
    response = marketer_client.get(CALLS, {"blank": "password", "tracking_number": "call me"})
    words = [str(message) for message in response.context["messages"]]
    assert any("password" in word for word in words) and any("call me" in word for word in words)
    assert len(response.context["calls"]) == len(varied_calls)


def test_another_accounts_empty_values_never_show(marketer_client, other_call, db):
    response = marketer_client.get(CALLS, {"blank": "term"})
    assert response.context["calls"] == []


def test_the_overviews_top_sources_and_campaigns_drill_down_too(marketer_client, varied_calls):
    response = marketer_client.get(reverse("dashboard:overview"))
    sources = {row.label: drill for row, _, drill in response.context["top_sources"]}
    campaigns = {row.label: drill for row, _, drill in response.context["top_campaigns"]}
    assert len(marketer_client.get(f"{CALLS}?{sources['google / cpc']}").context["calls"]) == 2
    assert len(marketer_client.get(f"{CALLS}?{sources['(not set) / (not set)']}").context["calls"]) == 1
    assert len(marketer_client.get(f"{CALLS}?{campaigns['spring-sale']}").context["calls"]) == 2
    assert f'href="{CALLS}?{sources["google / cpc"].replace("&", "&amp;")}"' in response.content.decode()


def test_the_folded_filter_bar_names_tag_and_spam_filters_too():
    from dashboard.call_filters import CallFilters, call_filters_describe

    assert call_filters_describe(CallFilters(tag="booked", spam="yes")) == ["tag “booked”", "spam only"]

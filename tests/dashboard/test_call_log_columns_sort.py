"""The calls log as a place to work: every column renders and sorts (stable, tenant-scoped), outcome/score/value
filters, columns and page size kept per person, compact landing pages."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard.call_columns import CALL_COLUMNS, DEFAULT_COLUMNS, sort_order
from dashboard.call_filters import CallFilters
from dashboard.call_views import FILTER_PARAMS, VIEW_PARAMS
from dashboard.models import CallLogPreference
from tests.factories import CallFactory, MembershipFactory, TagFactory, UserFactory

URL = reverse("dashboard:call_list")
pytestmark = pytest.mark.usefixtures("exact_counts")
LAYOUT_URL = reverse("dashboard:call_layout")
EVERY_COLUMN = ",".join(column.key for column in CALL_COLUMNS)


@pytest.fixture
def marked(tracker, account):
    """Five calls with distinct marks, a minute apart (newest first: c0 … c4)."""
    now = timezone.now()
    vip, booked = TagFactory(account=account, name="vip"), TagFactory(account=account, name="booked")
    specs = [  # outcome, value, score, talk, tags
        ("sale", Decimal("300"), 5, 200, [vip]),
        ("lead", None, 3, 40, [booked]),
        ("", Decimal("50"), None, 0, []),
        ("not_lead", None, 1, 10, [booked, vip]),
        ("", None, None, 90, []),
    ]
    calls = []
    for i, (outcome, value, score, talk, tags) in enumerate(specs):
        call = CallFactory(tracker=tracker, started_at=now - timedelta(minutes=i + 1), outcome=outcome, value=value,
                           score=score, talk_seconds=talk, answered_at=now if talk else None,
                           landing_page=f"https://shop.example.com/page-{i}?utm_source=x")
        call.tags.set(tags)
        calls.append(call)
    return calls


@pytest.mark.parametrize("column", [column.key for column in CALL_COLUMNS])
def test_every_column_renders_and_sorts_both_ways_without_another_accounts_calls(
        marketer_client, marked, other_call, column):
    for sort in (column, f"-{column}"):
        response = marketer_client.get(URL, {"sort": sort, "columns": EVERY_COLUMN})
        assert response.status_code == 200
        ids = [call.pk for call in response.context["calls"]]
        assert sorted(ids) == sorted(call.pk for call in marked), sort  # every call once, never Bob's
        assert 'aria-sort="' in response.content.decode()
        assert "Bob secret pool" not in response.content.decode()


def test_sorting_by_value_score_talk_time_and_tags(marketer_client, marked):
    def order(sort):
        return [marked.index(call) for call in marketer_client.get(URL, {"sort": sort}).context["calls"]]

    assert order("-value")[:2] == [0, 2]         # 300, 50, then the calls without a value
    assert order("value")[:2] == [2, 0]          # ascending: NULLs still last
    assert order("-score")[:3] == [0, 1, 3]      # 5, 3, 1 stars, unscored last
    assert order("-talk_time") == [0, 4, 1, 3, 2]
    assert order("tags")[:3] == [1, 3, 0]        # first tag alphabetically: booked, booked, vip
    assert order("-started") == [0, 1, 2, 3, 4]  # the default, newest first


def test_equal_values_keep_one_order_across_pages(marketer_client, tracker):
    now = timezone.now()
    created = {CallFactory(tracker=tracker, started_at=now - timedelta(minutes=i), outcome="lead").pk for i in range(60)}
    first = marketer_client.get(URL, {"sort": "outcome", "per_page": "25"})
    seen = [call.pk for call in first.context["calls"]]
    query = first.context["next_query"]
    while query:
        response = marketer_client.get(f"{URL}?{query}")
        seen += [call.pk for call in response.context["calls"]]
        query = response.context["next_query"]
    assert len(seen) == 60 and set(seen) == created  # ties broken by id: no call twice, none skipped
    assert "page 3 of 3" in response.content.decode()
    assert seen == sorted(seen)


@pytest.mark.parametrize("groups_cap", [100, 2])  # 2: more pairs than that, one sorted query instead
def test_the_source_medium_sort_pages_pair_by_pair_in_time_then_id_order(marketer_client, tracker, other_call,
                                                                       monkeypatch, groups_cap):
    from dashboard.selectors import calls as call_selectors

    monkeypatch.setattr(call_selectors, "GROUPS_CAP", groups_cap)
    now = timezone.now()
    pairs = [("google", "cpc"), ("bing", "cpc"), ("google", "organic"), ("", ""), ("bing", "cpc")]
    calls = [CallFactory(tracker=tracker, source=pairs[i % 5][0], medium=pairs[i % 5][1],
                         started_at=now - timedelta(minutes=i // 3)) for i in range(55)]  # equal times: the id decides
    CallFactory(tracker=tracker, source="aaa", medium="old", started_at=now - timedelta(days=60))  # out of the range
    for sort, descending in (("source_medium", False), ("-source_medium", True)):
        expected = sorted(calls, key=lambda c: (c.source, c.medium, c.started_at, c.pk), reverse=descending)
        seen = []
        for page in (1, 2, 3):
            response = marketer_client.get(URL, {"sort": sort, "per_page": "25", "page": page})
            seen += [call.pk for call in response.context["calls"]]
            assert response.context["position"]["total"] == 55
        assert seen == [call.pk for call in expected], sort


def test_an_unknown_sort_or_page_falls_back_with_a_message(marketer_client, marked):
    response = marketer_client.get(URL, {"sort": "password", "page": "x"})
    assert response.status_code == 200 and response.context["sort"] == "-started"
    assert any("Unknown sort" in str(m) for m in response.context["messages"])
    past_the_end = marketer_client.get(URL, {"sort": "value", "page": "999"})
    assert past_the_end.context["position"]["page"] == 1 and len(past_the_end.context["calls"]) == 5


def test_sort_links_keep_filters_and_flip_direction(marketer_client, marked):
    response = marketer_client.get(URL, {"outcome": "lead", "sort": "-value"})
    headers = {header["key"]: header for header in response.context["headers"]}
    assert headers["value"]["sort"] == "value" and headers["value"]["aria_sort"] == "descending"
    assert headers["caller"]["sort"] == "caller" and headers["score"]["sort"] == "-score"
    assert "outcome=lead" in response.context["sort_query"] and "sort=" not in response.context["sort_query"]


def test_outcome_score_and_value_filters(marketer_client, marked, other_call):
    def found(**params):
        return {marked.index(call) for call in marketer_client.get(URL, params).context["calls"]}

    assert found(outcome="sale") == {0}
    assert found(outcome="none") == {2, 4}
    assert found(score="3") == {0, 1}
    assert found(score="none") == {2, 4}
    assert found(value_min="50") == {0, 2}
    assert found(value_min="100.5") == {0}
    response = marketer_client.get(URL, {"outcome": "maybe", "score": "9", "value_min": "-3"})
    assert len(response.context["calls"]) == 5 and len(list(response.context["messages"])) == 3
    words = marketer_client.get(URL, {"outcome": "lead", "score": "4", "value_min": "10"}).context["filter_words"]
    assert words == ["outcome “lead”", "score ≥ 4", "value ≥ 10"]


def test_conversion_value_counts_for_the_value_column_and_filter(marketer_client, tracker):
    rule_valued = CallFactory(tracker=tracker, is_conversion=True, conversion_value=Decimal("75"))
    CallFactory(tracker=tracker, is_conversion=False, conversion_value=Decimal("0"))
    response = marketer_client.get(URL, {"value_min": "70"})
    assert response.context["calls"] == [rule_valued]
    assert "75.00" in response.content.decode()


def test_default_columns_and_a_chosen_set(marketer_client, marked):
    response = marketer_client.get(URL)
    assert [header["key"] for header in response.context["headers"]] == list(DEFAULT_COLUMNS)
    response = marketer_client.get(URL, {"columns": "value,nonsense,caller"})
    assert [header["key"] for header in response.context["headers"]] == ["started", "caller", "value"]  # When is always in
    html = response.content.decode()
    assert "col-source_medium" not in html and "col-value" in html


def test_columns_and_page_size_are_kept_per_person_and_account(marketer_client, marketer, account, marked):
    response = marketer_client.post(f"{LAYOUT_URL}?outcome=lead&columns=x&page=2",
                                     {"columns": ["caller", "score", "talk_time"], "per_page": "25"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?outcome=lead"
    preference = CallLogPreference.objects.get(user=marketer, account=account)
    assert preference.columns == ["started", "caller", "talk_time", "score"] and preference.per_page == 25
    response = marketer_client.get(URL)
    assert [header["key"] for header in response.context["headers"]] == ["started", "caller", "talk_time", "score"]
    assert response.context["per_page"] == 25
    # A colleague in the same account still sees the defaults.
    colleague = MembershipFactory(account=account, user=UserFactory(username="colleague")).user
    client = Client()
    client.force_login(colleague)
    assert [header["key"] for header in client.get(URL).context["headers"]] == list(DEFAULT_COLUMNS)


def test_bad_layouts_are_refused_with_a_message(marketer_client, marketer):
    for data in ({"columns": ["nonsense"], "per_page": "25"}, {"columns": ["caller"], "per_page": "1000"}):
        response = marketer_client.post(LAYOUT_URL, data, follow=True)
        assert "Columns not saved" in response.content.decode()
    assert not CallLogPreference.objects.filter(user=marketer).exists()
    assert marketer_client.get(LAYOUT_URL).status_code == 405


@pytest.mark.parametrize("size", ["25", "50", "100"])
def test_page_sizes(marketer_client, tracker, size):
    for _ in range(int(size) + 1):
        CallFactory(tracker=tracker)
    response = marketer_client.get(URL, {"per_page": size})
    assert len(response.context["calls"]) == int(size) and response.context["next_query"]
    sorted_page = marketer_client.get(URL, {"per_page": size, "sort": "caller"})
    assert len(sorted_page.context["calls"]) == int(size)


def test_landing_page_shows_its_path_with_the_full_url_on_hover(marketer_client, marked):
    html = marketer_client.get(URL).content.decode()
    assert 'title="https://shop.example.com/page-0?utm_source=x"' in html
    assert "/<wbr>page-0</span>" in html


def test_every_filter_a_link_can_set_is_kept_by_a_saved_view():
    every = CallFilters(status="x", source="x", medium="x", first_time="yes", q="1", answered="yes", recording="yes",
                        result="x", channel="x", campaign="x", term="x", landing_page="x", tracking_number="x",
                        pool_name="x", conversions_only=True, tag="x", spam="yes", blank=("term",), outcome="x",
                        score="1", value_min="1").params()
    assert set(every) <= set(FILTER_PARAMS) and {"sort", "columns", "per_page", "range"} <= set(VIEW_PARAMS)


def test_every_column_sort_builds_an_order_ending_with_the_id():
    for column in CALL_COLUMNS:
        _, order = sort_order(column.key)
        assert order[-1].expression.name == "id"

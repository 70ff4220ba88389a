from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboard.selectors.calls import CALLS_PAGE_SIZE
from tests.factories import CallFactory

URL = reverse("dashboard:call_list")
pytestmark = pytest.mark.usefixtures("exact_counts")  # the budget test below sets its own


def test_call_list_shows_the_accounts_calls(marketer_client, call):
    response = marketer_client.get(URL)
    assert response.status_code == 200
    assert response.context["calls"] == [call]
    body = response.content.decode()
    assert "(415) 555-0111" in body and reverse("dashboard:call_detail", args=[call.pk]) in body


def test_a_number_typed_in_e164_form_matches_exactly_even_one_phonenumbers_does_not_know(marketer_client, tracker):
    """"+13120000042" is no valid US number (no exchange starts with 0) but caller ids are stored as the carrier
    sent them: typed with its "+" it is a whole number (the caller index), not digits anywhere in the range."""
    exact = CallFactory(tracker=tracker, caller_number="+13120000042")
    CallFactory(tracker=tracker, caller_number="+4413120000042")
    fragment = CallFactory(tracker=tracker, caller_number="+14155550142")
    def ids(q):
        return [c.pk for c in marketer_client.get(URL, {"q": q}).context["calls"]]
    assert ids("+13120000042") == [exact.pk]
    assert len(ids("13120000042")) == 2  # digits without the "+": anywhere in the number
    assert ids("5550142") == [fragment.pk]


def test_another_accounts_calls_never_appear(marketer_client, call, other_call):
    response = marketer_client.get(URL)
    assert response.context["calls"] == [call]
    assert "(646) 555-0199" not in response.content.decode()


def test_filters_by_status_source_first_time_pool_and_caller(marketer_client, tracker, pool):
    answered = CallFactory(tracker=tracker, status="completed", source="google", medium="cpc", caller_number="+14155550111",
                           answered_at=timezone.now())
    missed = CallFactory(tracker=tracker, status="no-answer", source="bing", medium="cpc", caller_number="+14155550122",
                         is_first_time_caller=False)
    def ids(**params):
        return [c.pk for c in marketer_client.get(URL, params).context["calls"]]
    assert ids(status="no-answer") == [missed.pk]
    assert ids(source="google") == [answered.pk]
    assert ids(first_time="no") == [missed.pk]
    assert ids(answered="no") == [missed.pk]
    assert ids(q="(415) 555-0122") == [missed.pk]
    assert ids(q="0111") == [answered.pk]
    assert set(ids(pool=pool.pk, medium="cpc")) == {answered.pk, missed.pk}
    # Case does not matter in text filters, and results are in a marketer's words.
    assert ids(source="Google", medium="CPC") == [answered.pk]
    assert ids(result="answered") == [answered.pk]
    assert ids(result="missed") == [missed.pk]
    assert ids(result="busy_or_failed") == []
    assert ids(result="busy-failed") == []  # an older link still works


def test_report_drill_down_filters_campaign_keyword_landing_page_number_and_pool(marketer_client, tracker, pool, call):
    other = CallFactory(tracker=tracker, campaign="other", term="", landing_page="")

    def ids(**params):
        return [c.pk for c in marketer_client.get(URL, params).context["calls"]]
    assert ids(campaign="Spring-Sale") == [call.pk]
    assert ids(term="emergency plumber") == [call.pk]
    assert ids(landing_page=call.landing_page) == [call.pk]
    assert set(ids(tracking_number=tracker.tracking_number)) == {call.pk, other.pk}
    assert set(ids(pool_name=pool.name)) == {call.pk, other.pk}
    assert ids(pool_name="Bob secret pool") == []
    response = marketer_client.get(URL, {"campaign": "spring-sale"})
    assert response.context["filter_words"] == ["campaign “spring-sale”"]
    assert "· campaign “spring-sale”" in response.content.decode()


def test_pager_shows_the_position_with_previous_and_next(marketer_client, tracker):
    now = timezone.now()
    for minute in range(57):
        CallFactory(tracker=tracker, started_at=now - timezone.timedelta(minutes=minute + 1))
    first = marketer_client.get(URL, {"per_page": "25"})
    assert "1–25 of 57 calls" in first.content.decode() and first.context["previous_query"] is None
    assert "per_page=25" in first.context["next_query"]  # the page size travels with the pager
    second = marketer_client.get(f"{URL}?{first.context['next_query']}")
    assert "26–50 of 57 calls" in second.content.decode()
    assert "after=" not in second.context["previous_query"]  # back to the first page
    third = marketer_client.get(f"{URL}?{second.context['next_query']}")
    assert "51–57 of 57 calls" in third.content.decode() and third.context["next_query"] is None
    back = marketer_client.get(f"{URL}?{third.context['previous_query']}")
    assert "26–50 of 57 calls" in back.content.decode()


def test_conversions_only_filter_matches_the_apis(marketer_client, tracker, other_call):
    converting = CallFactory(tracker=tracker, is_conversion=True)
    CallFactory(tracker=tracker)
    other_call.is_conversion = True
    other_call.save(update_fields=["is_conversion"])
    response = marketer_client.get(URL, {"is_conversion": "1"})
    assert [c.pk for c in response.context["calls"]] == [converting.pk]
    assert 'name="is_conversion" value="1" checked' in response.content.decode()
    assert "is_conversion=1" in response.context["filter_query"]
    assert len(marketer_client.get(URL).context["calls"]) == 2
    response = marketer_client.get(URL, {"is_conversion": "maybe"})
    assert len(response.context["calls"]) == 2 and len(list(response.context["messages"])) == 1


def test_bad_filter_values_are_ignored_with_messages(marketer_client, call, other_call):
    response = marketer_client.get(URL, {"status": "exploded", "pool": other_call.pool.pk, "first_time": "maybe",
                                         "q": "abc", "after": "garbage", "range": "-1", "answered": "sometimes"})
    assert response.status_code == 200
    assert response.context["calls"] == [call]
    assert len(list(response.context["messages"])) == 7


def test_keyset_pagination_walks_every_call_once_without_counting(marketer_client, tracker):
    now = timezone.now()
    same_time = now - timedelta(hours=3)
    created = [CallFactory(tracker=tracker, started_at=same_time if i % 2 else now - timedelta(minutes=i)) for i in range(CALLS_PAGE_SIZE + 7)]
    first = marketer_client.get(URL)
    assert len(first.context["calls"]) == CALLS_PAGE_SIZE and first.context["next_query"]
    second = marketer_client.get(URL + "?" + first.context["next_query"])
    assert second.context["next_query"] is None
    seen = [c.pk for c in first.context["calls"]] + [c.pk for c in second.context["calls"]]
    assert sorted(seen) == sorted(c.pk for c in created)


def test_empty_state_explains_what_to_do(marketer_client):
    assert "No calls in this period." in marketer_client.get(URL).content.decode()
    assert "No calls match these filters." in marketer_client.get(URL, {"status": "busy"}).content.decode()


def test_anonymous_is_redirected_to_login(client):
    assert client.get(URL).status_code == 302


def test_post_is_not_allowed(marketer_client):
    assert marketer_client.post(URL).status_code == 405


def test_call_list_query_count_does_not_grow_with_calls(marketer_client, tracker, django_assert_num_queries,
                                                        on_postgres):
    for _ in range(26):
        CallFactory(tracker=tracker)
    # session, user, membership, websites, pools for the filter, one page of calls with their pool, their tags,
    # the account's tags (filter and bulk edit), the total, the person's columns, their saved views; on PostgreSQL
    # the total runs under its own statement timeout (savepoint, SET LOCAL, count, reset, release: 4 more)
    expected = 15 if on_postgres else 11
    with django_assert_num_queries(expected):
        marketer_client.get(URL, {"per_page": 25})
    for _ in range(30):
        CallFactory(tracker=tracker)
    with django_assert_num_queries(expected):
        marketer_client.get(URL, {"per_page": 25})


def test_a_log_that_fits_on_its_first_page_is_not_counted(marketer_client, tracker, django_assert_num_queries,
                                                          on_postgres):
    for _ in range(5):
        CallFactory(tracker=tracker)
    with django_assert_num_queries(10):  # no count: the page is the whole log
        response = marketer_client.get(URL)
    assert "1–5 of 5 calls" in response.content.decode()
    with django_assert_num_queries(10):
        response = marketer_client.get(URL, {"sort": "-talk_time"})
    assert "1–5 of 5 calls · page 1 of 1" in response.content.decode()


def test_the_pager_counts_at_most_the_cap_and_says_so(marketer_client, tracker, monkeypatch):
    """A large log is never counted whole: past COUNT_CAP the pager says "N+" and a deep page has no position."""
    from dashboard.selectors import calls as call_selectors

    monkeypatch.setattr(call_selectors, "COUNT_CAP", 30)
    now = timezone.now()
    for i in range(57):
        CallFactory(tracker=tracker, started_at=now - timedelta(minutes=i))
    first = marketer_client.get(reverse("dashboard:call_list") + "?per_page=25")
    assert "1–25 of 30+ calls" in first.content.decode()
    second = marketer_client.get(reverse("dashboard:call_list") + "?" + first.context["next_query"])
    assert "26–50 of 30+ calls" in second.content.decode()
    third = marketer_client.get(reverse("dashboard:call_list") + "?" + second.context["next_query"])
    assert "Past the newest 30 of 30+ calls" in third.content.decode() and len(third.context["calls"]) == 7
    back = marketer_client.get(reverse("dashboard:call_list") + "?" + third.context["previous_query"])
    assert [c.pk for c in back.context["calls"]] == [c.pk for c in second.context["calls"]]
    sorted_page = marketer_client.get(reverse("dashboard:call_list") + "?per_page=25&sort=started&page=9")
    assert "page 2 of 2+" in sorted_page.content.decode()


@pytest.mark.postgres
def test_a_count_past_its_time_budget_is_left_out_and_the_page_still_serves(marketer_client, tracker, monkeypatch):
    from calls.models import Call
    from dashboard.selectors import calls as call_selectors

    CallFactory(tracker=tracker)
    monkeypatch.setattr(call_selectors, "COUNT_BUDGET_MS", 1)
    slow = Call.objects.extra(where=["pg_sleep(0.05) IS NOT NULL"])
    assert call_selectors.capped_count(slow, 10) == (None, True)
    # The timeout did not linger: a statement slower than the budget, outside a count, still answers.
    assert Call.objects.extra(where=["pg_sleep(0.01) IS NOT NULL"]).count() == 1
    monkeypatch.setattr(call_selectors, "capped_count", lambda queryset, cap: (None, True))
    for _ in range(25):  # more than a page: a log on one page is not counted (its page is the count)
        CallFactory(tracker=tracker)
    body = marketer_client.get(reverse("dashboard:call_list") + "?per_page=25").content.decode()
    assert "1–25 of many calls" in body
    sorted_body = marketer_client.get(reverse("dashboard:call_list") + "?sort=started&per_page=25").content.decode()
    assert "1–25 of many calls" in sorted_body and "page 1" in sorted_body

from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory, VisitFactory

URL = reverse("dashboard:overview")


def test_overview_shows_totals_chart_and_top_sources(marketer_client, call, visit):
    response = marketer_client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert response.context["totals"]["calls"] == 1
    assert response.context["totals"]["answered"] == 1
    assert response.context["totals"]["first_time"] == 1
    assert response.context["totals"]["visits"] == 1
    assert '<svg class="chart"' in body
    assert "google / cpc" in body and "spring-sale" in body


def test_overview_counts_conversions_and_their_value_in_the_account_currency(marketer_client, account, tracker, visit,
                                                                             other_call):
    from decimal import Decimal

    from tests.factories import CallFactory
    account.currency = "EUR"
    account.save(update_fields=["currency"])
    CallFactory(tracker=tracker, is_conversion=True, conversion_value=Decimal("40.00"))
    CallFactory(tracker=tracker, is_conversion=True, conversion_value=Decimal("2.50"))
    CallFactory(tracker=tracker)
    other_call.is_conversion, other_call.conversion_value = True, Decimal("999.00")
    other_call.save(update_fields=["is_conversion", "conversion_value"])
    response = marketer_client.get(URL)
    totals = response.context["totals"]
    assert (totals["calls"], totals["conversions"], totals["value"]) == (3, 2, Decimal("42.50"))
    assert totals["conversion_rate"] == 2.0 and totals["calls_per_visit"] == 3.0
    assert "42.50 EUR" in response.content.decode()


def test_empty_account_gets_a_next_step_instead_of_a_chart(marketer_client):
    body = marketer_client.get(URL).content.decode()
    assert "No calls in this period." in body and "installed on your site" in body
    assert '<svg class="chart"' not in body


def test_another_accounts_calls_and_visits_never_count(marketer_client, other_call):
    response = marketer_client.get(URL)
    assert response.context["totals"]["calls"] == 0 and response.context["totals"]["visits"] == 0
    assert "bobsource" not in response.content.decode()


def test_website_filter_narrows_to_that_site(marketer_client, call, website, account):
    from tests.factories import WebsiteFactory
    second = WebsiteFactory(account=account, name="Second site")
    VisitFactory(website=second)
    response = marketer_client.get(URL, {"website": second.pk})
    assert response.context["filters"].website == second
    assert response.context["totals"]["calls"] == 0 and response.context["totals"]["visits"] == 1


def test_bad_filter_values_fall_back_to_defaults_with_a_message(marketer_client, other_call):
    response = marketer_client.get(URL, {"range": "custom", "start": "2026-13-40", "website": other_call.pool.website.pk})
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 2
    assert response.context["filters"].preset == "30" and response.context["filters"].website is None


def test_anonymous_is_redirected_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_user_without_account_gets_the_no_account_page(client, db):
    client.force_login(UserFactory(username="drifter"))
    assert client.get(URL).status_code == 403


def test_post_is_not_allowed(marketer_client):
    assert marketer_client.post(URL).status_code == 405


def test_overview_query_count_is_pinned(marketer_client, call, django_assert_num_queries):
    # session, user, membership, websites, rollup state, the live days' calls (per day, source, medium and
    # campaign at once) and visits, and for the Δ against the previous period: its rollup state and calls per day;
    # pools needing attention: the pools with counts and their health (whether a source pool's numbers match any visit)
    with django_assert_num_queries(11):
        marketer_client.get(URL)


def test_marketer_of_two_accounts_sees_only_the_first(client, account, other_account, other_call):
    user = UserFactory(username="both")
    MembershipFactory(user=user, account=account)
    MembershipFactory(user=user, account=other_account)
    client.force_login(user)
    assert client.get(URL).context["totals"]["calls"] == 0


def test_missed_on_the_overview_is_the_number_the_calls_filter_lists(marketer_client, tracker):
    """One definition (calls.results): before, the overview counted every unanswered call (busy, failed, still
    ringing, a 3-second hang-up) as missed while ?result=missed listed fewer."""
    from django.utils import timezone

    from tests.factories import CallFactory
    CallFactory(tracker=tracker, answered_at=timezone.now())
    for status, seconds in [("no-answer", 30), ("completed", 20), ("canceled", 4), ("no-answer", 0), ("busy", 2),
                            ("failed", 0), ("ringing", 3)]:
        CallFactory(tracker=tracker, status=status, duration_seconds=seconds)
    totals = marketer_client.get(URL).context["totals"]
    listed = {result: len(marketer_client.get(reverse("dashboard:call_list"), {"result": result}).context["calls"])
              for result in ("missed", "abandoned", "busy_or_failed")}
    assert (totals["missed"], totals["abandoned"], totals["busy_or_failed"]) == (2, 2, 2)
    assert listed == {"missed": 2, "abandoned": 2, "busy_or_failed": 2}
    body = marketer_client.get(URL).content.decode()
    assert "result=missed" in body and "2 abandoned" in body

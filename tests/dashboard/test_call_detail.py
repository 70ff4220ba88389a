from datetime import timedelta

from django.urls import reverse

from tests.factories import CallFactory, VisitFactory


def _url(call):
    return reverse("dashboard:call_detail", args=[call.pk])


def test_call_detail_shows_attribution_and_the_visitor_journey(marketer_client, call, visit, website):
    earlier = VisitFactory(website=website, visitor=visit.visitor, source="facebook", medium="social",
                           landing_page="https://alice.example.com/blog", started_at=visit.started_at - timedelta(days=3))
    later = VisitFactory(website=website, visitor=visit.visitor, source="later", medium="x",
                         started_at=call.started_at + timedelta(hours=1))
    response = marketer_client.get(_url(call))
    assert response.status_code == 200
    assert response.context["journey"] == [visit, earlier]
    assert later not in response.context["journey"]
    body = response.content.decode()
    for text in ["The visitor who was seeing the number", "100%", "spring-sale", "emergency plumber",
                 "https://alice.example.com/drains", "Cj0KCQalice", "facebook / social", "called from this visit"]:
        assert text in body, text


def test_source_pool_call_explains_why_there_is_no_journey(marketer_client, tracker):
    call = CallFactory(tracker=tracker, attribution_method="source", attribution_confidence=0.9, source="google", medium="cpc")
    body = marketer_client.get(_url(call)).content.decode()
    assert "source pool" in body and "The source the number is assigned to" in body


def test_another_accounts_call_is_404(marketer_client, other_call):
    assert marketer_client.get(_url(other_call)).status_code == 404


def test_unknown_call_is_404(marketer_client, db):
    assert marketer_client.get(reverse("dashboard:call_detail", args=[999999])).status_code == 404


def test_anonymous_is_redirected_to_login(client, call):
    assert client.get(_url(call)).status_code == 302


def test_call_detail_query_count_is_pinned(marketer_client, call, django_assert_num_queries):
    # session, user, membership, websites, the call with pool/tracker/visit, the journey, its visits' page views,
    # outcome history, the conversion rule, the call's tags, the account's tags, the rules' trace (with its runs),
    # the call's transcripts, the call's ad platform uploads
    with django_assert_num_queries(14):
        marketer_client.get(_url(call))


def test_out_of_range_id_is_404_not_500(marketer_client, db):
    assert marketer_client.get("/dashboard/calls/99999999999999999999999/").status_code == 404


def test_call_page_lists_the_pages_of_the_callers_visit(marketer_client, call, visit):
    from attribution.models import PageView

    for minute, path in enumerate(["/drains", "/pricing", "/contact"]):
        PageView.objects.create(visit=visit, path=path, viewed_at=visit.started_at + timedelta(minutes=minute))
    body = marketer_client.get(_url(call)).content.decode()
    assert body.index("/drains</li>") < body.index("/pricing</li>") < body.index("/contact</li>")

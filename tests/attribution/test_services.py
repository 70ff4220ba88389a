from datetime import timedelta

import pytest
from django.utils import timezone

from attribution.models import Visit, Visitor
from attribution.services import (
    VisitInput,
    clean_ga_id,
    clean_id,
    new_id,
    visit_record,
    visit_set_ga_ids,
    website_mark_snippet_seen,
)

NOW = timezone.now()


def test_new_ids_are_random_and_pass_validation():
    ids = {new_id() for _ in range(100)}
    assert len(ids) == 100 and all(clean_id(i) == i for i in ids)


@pytest.mark.parametrize("bad", [None, 42, "", "short", "x" * 23, "a b" + "c" * 19, "<script>alert(1)</script>", ["x"]])
def test_malformed_ids_are_absent(bad):
    assert clean_id(bad) is None


@pytest.mark.parametrize(("value", "clean"), [("123.456", "123.456"), ("1700000000", "1700000000"),
                                              ("GA1.1.123", ""), ("x", ""), (5, "")])
def test_ga_ids_are_format_checked(value, clean):
    assert clean_ga_id(value) == clean


def test_visit_record_classifies_a_new_session_and_keeps_first_touch(website):
    data = VisitInput(page_url="https://alice.example.com/?utm_source=Google&utm_medium=cpc&utm_term=plumber",
                      referrer="https://www.google.com/")
    visit = visit_record(website=website, visitor_uid=new_id(), session_uid=new_id(), data=data, now=NOW, is_new=True)
    assert (visit.source, visit.medium, visit.term) == ("google", "cpc", "plumber")
    visitor = Visitor.objects.get()
    assert (visitor.first_source, visitor.first_medium) == ("google", "cpc")


def test_returning_visitor_keeps_its_first_touch(website):
    uid = new_id()
    visit_record(website=website, visitor_uid=uid, session_uid=new_id(), now=NOW,
                 data=VisitInput(page_url="https://alice.example.com/", referrer="https://www.bing.com/"))
    visit_record(website=website, visitor_uid=uid, session_uid=new_id(), now=NOW + timedelta(days=1),
                 data=VisitInput(page_url="https://alice.example.com/?utm_source=news&utm_medium=email"))
    visitor = Visitor.objects.get()
    assert (visitor.first_source, visitor.first_medium, visitor.last_seen_at) == ("bing", "organic", NOW + timedelta(days=1))
    assert list(Visit.objects.order_by("started_at").values_list("source", flat=True)) == ["bing", "news"]


def test_running_session_keeps_its_source(website):
    session = new_id()
    visit_record(website=website, visitor_uid=new_id(), session_uid=session, now=NOW,
                 data=VisitInput(page_url="https://alice.example.com/?gclid=1"))
    again = visit_record(website=website, visitor_uid=new_id(), session_uid=session, now=NOW,
                         data=VisitInput(page_url="https://alice.example.com/", referrer="https://partner.org/",
                                         is_page_load=True))
    assert (again.source, again.medium, again.pageviews) == ("google", "cpc", 2)


def test_own_domain_referrer_is_direct(website):
    visit = visit_record(website=website, visitor_uid=new_id(), session_uid=new_id(), now=NOW,
                         data=VisitInput(page_url="https://alice.example.com/b", referrer="https://alicesite.example.com/a"))
    assert (visit.source, visit.medium) == ("(direct)", "(none)")


def test_ga_ids_fill_in_but_never_overwrite(website):
    session = new_id()
    visit_record(website=website, visitor_uid=new_id(), session_uid=session, now=NOW,
                 data=VisitInput(page_url="https://alice.example.com/"))
    visit_set_ga_ids(website=website, session_uid=session, data=VisitInput(page_url="", ga_client_id="1.2", ga_session_id="3"))
    visit_set_ga_ids(website=website, session_uid=session, data=VisitInput(page_url="", ga_client_id="9.9", ga_session_id="9"))
    assert Visit.objects.values_list("ga_client_id", "ga_session_id").get() == ("1.2", "3")


def test_snippet_seen_is_written_at_most_every_few_minutes(website, django_assert_num_queries):
    website_mark_snippet_seen(website=website, origin="https://alice.example.com", now=NOW)
    with django_assert_num_queries(0):
        website_mark_snippet_seen(website=website, origin="https://alice.example.com", now=NOW + timedelta(minutes=1))
    website_mark_snippet_seen(website=website, origin="https://www.alice.example.com", now=NOW + timedelta(minutes=6))
    website.refresh_from_db()
    assert (website.snippet_seen_at, website.snippet_seen_origin) == (NOW + timedelta(minutes=6), "https://www.alice.example.com")

"""SPEC "Source/medium classification": keyword rules and the landing *page* reports group by."""

import importlib

import pytest
from django.apps import apps

from attribution.classification import NOT_PROVIDED, NOT_SET, channel_group, classify, page_key
from attribution.models import Visit
from calls.models import Call
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory

OWN = ["shop.example.com"]


@pytest.mark.parametrize("param", ["utm_term", "keyword", "kw", "utm_keyword"])
def test_each_keyword_parameter_is_the_term(param):
    c = classify(f"https://shop.example.com/?gclid=abc&{param}=emergency+plumber", "", OWN)
    assert c.term == "emergency plumber"


def test_utm_term_wins_over_template_keyword():
    c = classify("https://shop.example.com/?kw=second&utm_term=first&keyword=third", "", OWN)
    assert c.term == "first"


@pytest.mark.parametrize("param", ["gclid", "gbraid", "wbraid", "msclkid"])
def test_paid_click_without_keyword_is_not_set(param):
    assert classify(f"https://shop.example.com/contact?{param}=X1", "", OWN).term == NOT_SET


def test_utm_tagged_paid_click_without_keyword_is_not_set_too():
    c = classify("https://shop.example.com/?utm_source=google&utm_medium=cpc&gclid=X", "", OWN)
    assert (c.source, c.term) == ("google", NOT_SET)


def test_organic_search_keyword_is_not_provided():
    c = classify("https://shop.example.com/", "https://www.google.com/", OWN)
    assert (c.medium, c.term) == ("organic", NOT_PROVIDED)


@pytest.mark.parametrize("url", ["https://shop.example.com/", "https://shop.example.com/?fbclid=F"])
def test_direct_and_social_clicks_have_no_keyword(url):
    assert classify(url, "", OWN).term == ""


@pytest.mark.parametrize(("url", "page"), [
    ("https://Shop.Example.com/Contact/?gclid=abc#form", "shop.example.com/contact"),
    ("https://shop.example.com/contact?gclid=def", "shop.example.com/contact"),
    ("https://shop.example.com", "shop.example.com/"),
    ("https://shop.example.com/", "shop.example.com/"),
    ("http://localhost:8000/pricing//", "localhost/pricing"),
    ("", ""),
    ("http://[::1", ""),
])
def test_page_key_is_lower_cased_host_and_path(url, page):
    assert page_key(url) == page


def _run_migration(module, app="attribution"):
    importlib.import_module(f"{app}.migrations.{module}").backfill(apps, None)


def test_backfill_migration_derives_page_channel_and_keyword_of_existing_visits(website):
    gclid = VisitFactory(website=website, source="google", medium="cpc", landing_page="https://a.example/Contact/?gclid=1",
                         landing_page_key="", channel="", term="")
    organic = VisitFactory(website=website, source="bing", medium="organic", landing_page="https://a.example/",
                           landing_page_key="", channel="", term="")
    tagged = VisitFactory(website=website, source="google", medium="cpc", term="plumber", landing_page_key="", channel="",
                          landing_page="https://a.example/x?gclid=2&utm_term=plumber")
    template = VisitFactory(website=website, source="google", medium="cpc", term="", landing_page_key="", channel="",
                            landing_page="https://a.example/x?gclid=3&kw=drain")
    _run_migration("0004_visit_page_key_channel_backfill")
    got = {v.pk: (v.landing_page_key, v.channel, v.term) for v in Visit.objects.all()}
    assert got[gclid.pk] == ("a.example/contact", "Paid Search", NOT_SET)
    assert got[organic.pk] == ("a.example/", "Organic Search", NOT_PROVIDED)
    assert got[tagged.pk] == ("a.example/x", "Paid Search", "plumber")
    assert got[template.pk] == ("a.example/x", "Paid Search", "drain")


def test_backfill_migration_copies_visit_values_to_calls_and_derives_source_pool_channels(account, website):
    visit = VisitFactory(website=website, source="google", medium="cpc", landing_page="https://a.example/p?gclid=9")
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    by_visit = CallFactory(tracker=tracker, visit=visit, source="google", medium="cpc", landing_page=visit.landing_page,
                           landing_page_key="", channel="")
    by_source = CallFactory(tracker=tracker, source="facebook", medium="social", landing_page_key="", channel="")
    _run_migration("0004_visit_page_key_channel_backfill")
    _run_migration("0004_call_page_key_channel_backfill", app="calls")
    by_visit, by_source = Call.objects.get(pk=by_visit.pk), Call.objects.get(pk=by_source.pk)
    assert (by_visit.landing_page_key, by_visit.channel, by_visit.term) == ("a.example/p", "Paid Search", NOT_SET)
    assert (by_source.landing_page_key, by_source.channel) == ("", channel_group("facebook", "social"))

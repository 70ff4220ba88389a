import pytest
from hypothesis import given
from hypothesis import strategies as st

from attribution.classification import channel_group, classify
from attribution.referrers import search_engine_for_host

OWN = ["shop.example.com"]


def test_utm_source_and_medium_win_and_are_lower_cased():
    c = classify("https://shop.example.com/?utm_source=Newsletter&utm_medium=EMAIL&utm_campaign=Spring&gclid=abc",
                 "https://www.google.com/", OWN)
    assert (c.source, c.medium, c.campaign, c.gclid) == ("newsletter", "email", "Spring", "abc")


def test_utm_term_and_content_are_kept():
    c = classify("https://shop.example.com/?utm_source=g&utm_medium=cpc&utm_term=plumber+near+me&utm_content=ad1", "", OWN)
    assert (c.term, c.content) == ("plumber near me", "ad1")


def test_utm_source_without_medium_gets_not_set():
    c = classify("https://shop.example.com/?utm_source=partner", "", OWN)
    assert (c.source, c.medium) == ("partner", "(not set)")


@pytest.mark.parametrize("param", ["gclid", "gbraid", "wbraid"])
def test_google_click_ids_mean_google_cpc(param):
    c = classify(f"https://shop.example.com/?{param}=XYZ", "https://www.google.com/", OWN)
    assert (c.source, c.medium, getattr(c, param)) == ("google", "cpc", "XYZ")


def test_msclkid_means_bing_cpc():
    c = classify("https://shop.example.com/?msclkid=m1", "", OWN)
    assert (c.source, c.medium, c.msclkid) == ("bing", "cpc", "m1")


def test_fbclid_is_stored_but_does_not_change_source():
    c = classify("https://shop.example.com/?fbclid=f1", "https://m.facebook.com/", OWN)
    assert (c.source, c.medium, c.fbclid) == ("m.facebook.com", "referral", "f1")


@pytest.mark.parametrize(
    ("referrer", "engine"),
    [
        ("https://www.google.com/", "google"),
        ("https://www.google.co.uk/", "google"),
        ("https://www.google.com.au/search?q=x", "google"),
        ("https://www.bing.com/", "bing"),
        ("https://search.yahoo.com/", "yahoo"),
        ("https://duckduckgo.com/", "duckduckgo"),
        ("https://www.ecosia.org/", "ecosia"),
        ("https://www.baidu.com/", "baidu"),
        ("https://yandex.ru/", "yandex"),
        ("https://search.naver.com/", "naver"),
        ("https://search.seznam.cz/", "seznam"),
        ("https://www.qwant.com/", "qwant"),
        ("https://search.brave.com/", "brave"),
    ],
)
def test_search_engine_referrer_is_organic(referrer, engine):
    c = classify("https://shop.example.com/", referrer, OWN)
    assert (c.source, c.medium) == (engine, "organic")


def test_search_engines_are_matched_on_hostname_only():
    assert search_engine_for_host("google.example.org") is None
    assert search_engine_for_host("notgoogle.com") is None


def test_ai_assistants_are_referrals_under_their_own_name():
    c = classify("https://shop.example.com/", "https://chatgpt.com/", OWN)
    assert (c.source, c.medium) == ("chatgpt", "referral")


def test_webmail_is_email_not_google_organic():
    c = classify("https://shop.example.com/", "https://mail.google.com/mail/u/0/", OWN)
    assert (c.source, c.medium) == ("mail.google.com", "email")


def test_other_site_referrer_is_referral_without_www():
    c = classify("https://shop.example.com/", "https://www.partner.org/page?x=1", OWN)
    assert (c.source, c.medium) == ("partner.org", "referral")


def test_same_site_referrer_is_direct_never_a_source():
    c = classify("https://shop.example.com/b", "https://shop.example.com/a", OWN)
    assert (c.source, c.medium) == ("(direct)", "(none)")


def test_subdomain_of_own_host_is_same_site():
    c = classify("https://shop.example.com/b", "https://blog.shop.example.com/a", ["www.shop.example.com"])
    assert c.is_direct


def test_no_referrer_is_direct():
    c = classify("https://shop.example.com/", "", OWN)
    assert (c.source, c.medium) == ("(direct)", "(none)")


def test_garbage_referrer_is_direct():
    assert classify("https://shop.example.com/", "http://[::1", OWN).is_direct


@given(st.text(), st.text(), st.lists(st.text(), max_size=3))
def test_classify_never_raises_on_any_string(page_url, referrer, own):
    c = classify(page_url, referrer, own)
    assert c.source and c.medium
    assert len(c.source) <= 200


@given(st.text(), st.text(), st.text())
def test_channel_group_never_raises_on_any_string(source, medium, campaign):
    assert channel_group(source, medium, campaign)


@pytest.mark.parametrize(
    ("source", "medium", "group"),
    [
        ("(direct)", "(none)", "Direct"),
        ("google", "cpc", "Paid Search"),
        ("bing", "ppc", "Paid Search"),
        ("facebook", "paid_social", "Paid Social"),
        ("youtube", "cpv", "Paid Video"),
        ("partner", "display", "Display"),
        ("partner", "retargeting", "Paid Other"),
        ("google", "organic", "Organic Search"),
        ("duckduckgo", "organic", "Organic Search"),
        ("facebook.com", "referral", "Organic Social"),
        ("youtube.com", "referral", "Organic Video"),
        ("partner.org", "referral", "Referral"),
        ("newsletter", "email", "Email"),
        ("cj", "affiliate", "Affiliates"),
        ("twilio", "sms", "SMS"),
        ("app", "web-push", "Mobile Push Notifications"),
        ("somewhere", "(not set)", "Unassigned"),
    ],
)
def test_channel_group_follows_ga4_default_rules(source, medium, group):
    assert channel_group(source, medium) == group

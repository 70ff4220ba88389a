"""Keyword hint, landing pages grouped by page, and the channel report (issue 14 items 5–6)."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from attribution.classification import ADS_TRACKING_TEMPLATE
from reports.services import rollup_refresh
from tests.factories import CallFactory, VisitFactory


def _rows(response):
    return {row.label: (row.calls, row.visits) for row in (item.row for item in response.context["rows"])}


def test_every_ad_click_on_a_page_counts_toward_one_landing_page_row(marketer_client, tracker, website):
    for n in range(3):
        visit = VisitFactory(website=website, source="google", medium="cpc", term="(not set)",
                             landing_page=f"https://alice.example.com/Contact/?gclid=click{n}")
    CallFactory(tracker=tracker, visit=visit, landing_page=visit.landing_page, source="google", medium="cpc")
    response = marketer_client.get(reverse("dashboard:report", args=["landing_page"]))
    assert _rows(response) == {"alice.example.com/contact": (1, 3)}
    assert "grouped by page" in response.content.decode()


def test_landing_page_report_from_the_rollup_groups_by_page_too(marketer_client, account, tracker, website):
    two_days_ago = timezone.now() - timedelta(days=2)
    for n in range(2):
        VisitFactory(website=website, landing_page=f"https://alice.example.com/a?gclid={n}", started_at=two_days_ago)
    rollup_refresh(account=account)
    response = marketer_client.get(reverse("dashboard:report", args=["landing_page"]))
    assert _rows(response) == {"alice.example.com/a": (0, 2)}


def test_channel_report_groups_by_ga4_default_channel(marketer_client, tracker, website):
    VisitFactory(website=website, source="google", medium="cpc")
    VisitFactory(website=website, source="bing", medium="cpc")
    VisitFactory(website=website, source="google", medium="organic")
    CallFactory(tracker=tracker, source="google", medium="cpc")
    response = marketer_client.get(reverse("dashboard:report", args=["channel"]))
    assert _rows(response) == {"Paid Search": (1, 2), "Organic Search": (0, 1)}
    assert "default channel groups" in response.content.decode()


def test_channel_report_never_shows_another_accounts_channels(marketer_client, call, other_call):
    labels = set(_rows(marketer_client.get(reverse("dashboard:report", args=["channel"]))))
    assert labels == {"Paid Search"}  # other_call is "Unassigned" (bobsource/bobmedium) in Bob's account


def test_keyword_report_shows_the_tracking_template_when_paid_clicks_lack_a_keyword(marketer_client, website):
    VisitFactory(website=website, source="google", medium="cpc", term="(not set)")
    VisitFactory(website=website, source="google", medium="organic", term="(not provided)")
    VisitFactory(website=website, source="(direct)", medium="(none)", term="")
    response = marketer_client.get(reverse("dashboard:report", args=["term"]))
    assert _rows(response) == {"(not set)": (0, 1), "(not provided)": (0, 1), "(none)": (0, 1)}
    assert response.context["keyword_hint"]["visits"] == 1
    assert escape(ADS_TRACKING_TEMPLATE) in response.content.decode()


def test_keyword_report_has_no_hint_when_every_click_has_a_keyword(marketer_client, website):
    VisitFactory(website=website, source="google", medium="cpc", term="plumber")
    response = marketer_client.get(reverse("dashboard:report", args=["term"]))
    assert response.context["keyword_hint"] is None
    assert 'id="keyword-hint"' not in response.content.decode()


def test_install_page_warns_about_untagged_ad_clicks_with_the_template(marketer_client, website, other_account):
    VisitFactory(website=website, source="google", medium="cpc", term="(not set)")
    VisitFactory(website=website, source="google", medium="cpc", term="(not set)")
    body = marketer_client.get(reverse("dashboard:website_list")).content.decode()
    assert "2 ad clicks without a keyword" in body
    assert escape(ADS_TRACKING_TEMPLATE) in body


def test_install_page_does_not_count_another_accounts_clicks(marketer_client, website, other_account):
    from tests.factories import WebsiteFactory

    VisitFactory(website=WebsiteFactory(account=other_account), source="google", medium="cpc", term="(not set)")
    body = marketer_client.get(reverse("dashboard:website_list")).content.decode()
    assert "without a keyword" not in body

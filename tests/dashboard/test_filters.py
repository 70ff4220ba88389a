from datetime import date
from zoneinfo import ZoneInfo

from django.http import QueryDict

from dashboard.filters import DEFAULT_PRESET, parse_filters

ZONE = ZoneInfo("America/New_York")
TODAY = date(2026, 3, 15)


class Site:
    def __init__(self, pk):
        self.pk = pk


def _parse(query, websites=()):
    return parse_filters(params=QueryDict(query), websites=list(websites), zone=ZONE, today=TODAY)


def test_no_parameters_give_the_last_30_days_ending_today():
    filters, problems = _parse("")
    assert (filters.preset, filters.start_date, filters.end_date, problems) == (DEFAULT_PRESET, date(2026, 2, 14), TODAY, [])
    assert filters.days == 30


def test_presets_cover_7_30_and_90_days():
    assert _parse("range=7")[0].start_date == date(2026, 3, 9)
    assert _parse("range=90")[0].days == 90


def test_calendar_presets_today_yesterday_this_and_last_month():
    def span(query):
        filters = _parse(query)[0]
        return filters.start_date, filters.end_date, filters.label

    assert span("range=today") == (TODAY, TODAY, "Today")
    assert span("range=yesterday") == (date(2026, 3, 14), date(2026, 3, 14), "Yesterday")
    assert span("range=month") == (date(2026, 3, 1), TODAY, "This month")
    assert span("range=last-month") == (date(2026, 2, 1), date(2026, 2, 28), "Last month")
    january = parse_filters(params=QueryDict("range=last-month"), websites=[], zone=ZONE, today=date(2026, 1, 5))[0]
    assert (january.start_date, january.end_date) == (date(2025, 12, 1), date(2025, 12, 31))


def test_every_preset_has_a_chip_and_the_current_one_is_on():
    filters = _parse("range=yesterday")[0]
    links = filters.preset_links()
    assert [link["label"] for link in links] == ["Today", "Yesterday", "7 days", "30 days", "90 days", "This month", "Last month"]
    assert [link["label"] for link in links if link["is_on"]] == ["Yesterday"]


def test_previous_period_is_the_same_length_just_before():
    previous = _parse("range=7")[0].previous()
    assert (previous.start_date, previous.end_date, previous.days) == (date(2026, 3, 2), date(2026, 3, 8), 7)
    previous = _parse("range=last-month")[0].previous()
    assert (previous.start_date, previous.end_date) == (date(2026, 1, 4), date(2026, 1, 31))


def test_custom_range_is_inclusive_and_bounded_in_the_account_zone():
    filters, problems = _parse("range=custom&start=2026-01-01&end=2026-01-31")
    assert problems == []
    assert filters.start.isoformat() == "2026-01-01T00:00:00-05:00"
    assert filters.end.isoformat() == "2026-02-01T00:00:00-05:00"
    assert filters.querystring == "range=custom&start=2026-01-01&end=2026-01-31"


def test_bad_custom_dates_fall_back_to_the_default_with_a_message():
    for query in ["range=custom&start=nope&end=2026-01-01", "range=custom&start=2026-02-01&end=2026-01-01",
                  "range=custom&start=2020-01-01&end=2026-01-01", "range=custom"]:
        filters, problems = _parse(query)
        assert filters.preset == DEFAULT_PRESET and filters.end_date == TODAY, query
        assert len(problems) == 1, query


def test_unknown_preset_falls_back_with_a_message():
    filters, problems = _parse("range=9999")
    assert filters.preset == DEFAULT_PRESET and "Unknown date range" in problems[0]


def test_website_must_be_one_of_the_accounts():
    mine = Site(3)
    filters, problems = _parse("website=3", [mine])
    assert filters.website is mine and problems == []
    filters, problems = _parse("website=4", [mine])
    assert filters.website is None and "not in your account" in problems[0]


def test_preset_links_keep_the_website_and_the_pages_own_filters():
    filters, _ = _parse("range=7&website=3", [Site(3)])
    links = filters.preset_links({"status": "busy"})
    assert [link["query"] for link in links][2:5] == [
        "range=7&website=3&status=busy", "range=30&website=3&status=busy", "range=90&website=3&status=busy"]
    assert all(link["query"].endswith("&website=3&status=busy") for link in links)
    assert [link["is_on"] for link in links] == [False, False, True, False, False, False, False]


def test_dates_outside_a_sane_span_are_rejected_instead_of_overflowing():
    filters, problems = _parse("range=custom&start=9999-12-30&end=9999-12-31")
    assert filters.preset == DEFAULT_PRESET and len(problems) == 1

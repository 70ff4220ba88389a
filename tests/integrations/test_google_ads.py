from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from calls.models import Call
from calls.outcomes import call_mark
from integrations.google_ads import google_ads_csv, is_safe_click_id, plan_conversion_row
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, VisitFactory
from tests.integrations.factories import GoogleAdsSettingsFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 18, 0, tzinfo=UTC)


@pytest.fixture
def tracker(account, website):
    return CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)


def _call(tracker, website, started_at, value=Decimal("25"), is_conversion=True, **click):
    visit = VisitFactory(website=website, started_at=started_at - timedelta(minutes=3), **click)
    return CallFactory(tracker=tracker, visit=visit, started_at=started_at, is_conversion=is_conversion,
                       conversion_value=value if is_conversion else Decimal("0"))


def test_csv_follows_the_click_template(account, website, tracker):
    GoogleAdsSettingsFactory(account=account, conversion_name="Calls")
    _call(tracker, website, datetime(2026, 6, 14, 16, 30, 5, tzinfo=UTC), gclid="EAIaIQ", value=Decimal("120.5"))
    _call(tracker, website, datetime(2026, 6, 14, 17, 0, tzinfo=UTC), gbraid="GB1")
    lines = google_ads_csv(account=account, now=NOW).splitlines()
    assert lines[0] == "Parameters:TimeZone=America/New_York"
    assert lines[1] == "Google Click ID,Conversion Name,Conversion Time,Conversion Value,Conversion Currency,GBRAID,WBRAID"
    # 16:30 UTC is 12:30 in New York (EDT); each call carries its own value.
    assert lines[2] == "EAIaIQ,Calls,2026-06-14 12:30:05,120.50,USD,,"
    assert lines[3] == ",Calls,2026-06-14 13:00:00,25.00,USD,GB1,"
    assert len(lines) == 4


def test_only_converting_calls_are_exported(account, website, tracker):
    _call(tracker, website, NOW - timedelta(days=1), gclid="converted")
    _call(tracker, website, NOW - timedelta(days=1), gclid="tensecondcall", is_conversion=False)
    body = google_ads_csv(account=account, now=NOW)
    assert "converted" in body and "tensecondcall" not in body


def test_the_accounts_currency_is_used(account, website, tracker):
    account.currency = "EUR"
    account.save()
    _call(tracker, website, NOW - timedelta(days=1), gclid="G1", value=Decimal("9.99"))
    assert google_ads_csv(account=account, now=NOW).splitlines()[2].split(",")[3:5] == ["9.99", "EUR"]


@pytest.mark.parametrize("bad", ["=HYPERLINK(\"http://x\")", "+1", "-1+2", "@SUM(A1)"])
def test_formula_unsafe_click_ids_are_left_out(account, website, tracker, bad):
    _call(tracker, website, NOW - timedelta(days=1), gclid=bad)
    lines = google_ads_csv(account=account, now=NOW).splitlines()
    assert len(lines) == 2 and bad not in "\n".join(lines)


def test_an_unsafe_gclid_falls_back_to_a_safe_gbraid(account, website, tracker):
    _call(tracker, website, NOW - timedelta(days=1), gclid="=cmd", gbraid="GB2")
    assert google_ads_csv(account=account, now=NOW).splitlines()[2].split(",")[0::5] == ["", "GB2"]


def test_old_clicks_and_calls_without_clicks_are_left_out(account, website, tracker):
    _call(tracker, website, NOW - timedelta(days=91), gclid="old")
    _call(tracker, website, NOW - timedelta(days=1))
    CallFactory(tracker=tracker, started_at=NOW - timedelta(days=1), is_conversion=True)
    assert len(google_ads_csv(account=account, now=NOW).splitlines()) == 2


def test_other_accounts_calls_are_left_out(account, other_account, website, tracker):
    _call(tracker, website, NOW - timedelta(days=1), gclid="alice")
    assert "alice" not in google_ads_csv(account=other_account, now=NOW)


def test_one_click_id_per_row():
    row = plan_conversion_row(gclid="g", gbraid="b", wbraid="w", started_at=NOW, value=Decimal(0))
    assert (row.gclid, row.gbraid, row.wbraid) == ("g", "", "")
    row = plan_conversion_row(gclid="", gbraid="b", wbraid="w", started_at=NOW, value=Decimal(0))
    assert (row.gclid, row.gbraid, row.wbraid) == ("", "b", "")


def test_no_safe_click_id_means_no_row():
    assert plan_conversion_row(gclid="=1", gbraid="", wbraid="@x", started_at=NOW, value=Decimal(0)) is None
    assert [is_safe_click_id(v) for v in ["Cj0K", "", "=a", "+a", "-a", "@a"]] == [True] + [False] * 5


def test_conversion_name_must_be_formula_safe(account):
    from django.core.exceptions import ValidationError

    ads = GoogleAdsSettingsFactory(account=account, conversion_name="=cmd|' /C calc'!A0")
    with pytest.raises(ValidationError):
        ads.full_clean()


def test_spam_calls_are_never_exported(account, website, tracker):
    marked = _call(tracker, website, NOW - timedelta(days=1), gclid="markedspam")
    stale = _call(tracker, website, NOW - timedelta(days=1), gclid="staleflag")
    call_mark(call=marked, spam=True)
    Call.objects.filter(pk=stale.pk).update(spam=True)  # a conversion flag left from before: still out
    _call(tracker, website, NOW - timedelta(days=1), gclid="realcall")
    body = google_ads_csv(account=account, now=NOW)
    assert "realcall" in body and "markedspam" not in body and "staleflag" not in body

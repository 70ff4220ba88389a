import csv
import io

from django.http import StreamingHttpResponse
from django.urls import reverse

from calls.models import Call
from tests.factories import CallFactory, TagFactory

URL = reverse("dashboard:call_list_csv")


def _rows(response):
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_calls_csv_streams_every_matching_call(marketer_client, call, tracker):
    CallFactory(tracker=tracker, status="busy", source="bing", medium="cpc")
    response = marketer_client.get(URL)
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    rows = _rows(response)
    assert rows[0][:3] == ["Started at (America/New_York)", "Call id", "Status"]
    assert len(rows) == 3
    mine = next(r for r in rows[1:] if r[1] == call.provider_call_id)
    assert mine[3] == "+14155550111" and mine[9:12] == ["google", "cpc", "spring-sale"] and mine[17] == "Main line"


def test_calls_csv_honours_the_filters(marketer_client, call, tracker):
    CallFactory(tracker=tracker, status="busy")
    rows = _rows(marketer_client.get(URL, {"status": "busy"}))
    assert [r[2] for r in rows[1:]] == ["busy"]


def test_calls_csv_guards_against_formula_injection(marketer_client, tracker):
    CallFactory(tracker=tracker, campaign='=HYPERLINK("http://evil")', source="@evil")
    row = _rows(marketer_client.get(URL))[1]
    assert row[11] == "'=HYPERLINK(\"http://evil\")" and row[9] == "'@evil"


def test_calls_csv_never_contains_another_accounts_calls(marketer_client, call, other_call):
    rows = _rows(marketer_client.get(URL))
    assert [r[1] for r in rows[1:]] == [call.provider_call_id]


def test_anonymous_is_redirected_to_login(client):
    assert client.get(URL).status_code == 302


def test_calls_csv_times_are_in_the_accounts_zone_without_microseconds(marketer_client, tracker):
    from datetime import UTC, datetime

    from django.utils import timezone

    # 2026-07-04 16:05:09.123456 UTC is 12:05:09 in New York (EDT); keep it inside the default 30-day range.
    now = timezone.now()
    started = datetime(now.year, now.month, now.day, 16, 5, 9, 123456, tzinfo=UTC) - __import__("datetime").timedelta(days=2)
    CallFactory(tracker=tracker, started_at=started)
    row = _rows(marketer_client.get(URL))[1]
    from zoneinfo import ZoneInfo

    assert row[0] == started.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M:%S")
    assert len(row[0]) == 19 and "." not in row[0]


def test_calls_csv_carries_what_people_marked_and_where_the_caller_is_from(marketer_client, call, account):
    call.tags.add(TagFactory(account=account, name="vip"), TagFactory(account=account, name="booked"))
    Call.objects.filter(pk=call.pk).update(outcome="sale", value="120.00", note="New boiler", score=4,
                                           caller_city="San Francisco", caller_region="CA", caller_country="US",
                                           caller_name="SERGIO SUAREZ")
    header, row = _rows(marketer_client.get(URL))[:2]
    marks = dict(zip(header[18:], row[18:], strict=True))
    assert marks == {"Outcome": "sale", "Value": "120.00", "Note": "New boiler", "Score": "4", "Spam": "False",
                     "Caller city": "San Francisco", "Caller region": "CA", "Caller country": "US", "Caller name": "SERGIO SUAREZ",
                     "Tags": "booked, vip"}


def test_calls_csv_leaves_spam_out_unless_the_filter_asks(marketer_client, call, tracker):
    CallFactory(tracker=tracker, spam=True)
    assert len(_rows(marketer_client.get(URL))) == 2
    assert [r[22] for r in _rows(marketer_client.get(URL, {"spam": "all"}))[1:]].count("True") == 1

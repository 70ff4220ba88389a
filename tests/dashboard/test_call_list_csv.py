import csv
import io

from django.http import StreamingHttpResponse
from django.urls import reverse

from tests.factories import CallFactory

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

import csv
import io
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.urls import reverse

from calls.models import Call
from tests.factories import CallFactory


def _rows(response):
    assert isinstance(response, StreamingHttpResponse)
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


HEADER_TAIL = ["Calls", "Answered", "First-time callers", "Visits", "Conversions", "Value",
               "Conversion rate (conversions/visits)", "Calls per visit"]


def test_source_medium_csv_has_one_column_per_key_part(marketer_client, call, visit):
    rows = _rows(marketer_client.get(reverse("dashboard:report_csv", args=["source_medium"])))
    assert rows == [["Source", "Medium", *HEADER_TAIL], ["google", "cpc", "1", "1", "1", "1", "0", "0.00", "0.0000", "1.0000"]]


def test_csv_counts_conversions_and_their_value(marketer_client, call, visit, tracker):
    Call.objects.filter(pk=call.pk).update(is_conversion=True, conversion_value=Decimal("120.50"))
    CallFactory(tracker=tracker, source="google", medium="cpc", is_conversion=True, conversion_value=Decimal("0.25"))
    CallFactory(tracker=tracker, source="google", medium="cpc")
    rows = _rows(marketer_client.get(reverse("dashboard:report_csv", args=["source_medium"])))
    assert rows[1] == ["google", "cpc", "3", "1", "3", "1", "2", "120.75", "2.0000", "3.0000"]


def test_tracker_csv_leaves_visit_columns_empty(marketer_client, call):
    rows = _rows(marketer_client.get(reverse("dashboard:report_csv", args=["tracker"])))
    assert rows[0] == ["Tracking number", *HEADER_TAIL]
    assert rows[1] == [call.tracking_number, "1", "1", "1", "", "0", "0.00", "", ""]


def test_report_csv_guards_against_formula_injection(marketer_client, tracker):
    CallFactory(tracker=tracker, campaign="=1+1")
    rows = _rows(marketer_client.get(reverse("dashboard:report_csv", args=["campaign"])))
    assert rows[1][0] == "'=1+1"


def test_report_csv_never_contains_another_accounts_rows(marketer_client, call, other_call):
    for dimension in ["source_medium", "campaign", "pool", "tracker"]:
        text = "\n".join(",".join(r) for r in _rows(marketer_client.get(reverse("dashboard:report_csv", args=[dimension]))))
        assert "bob" not in text.lower() and other_call.tracking_number not in text


def test_unknown_dimension_is_404(marketer_client, db):
    assert marketer_client.get("/dashboard/reports/nope.csv").status_code == 404


def test_anonymous_is_redirected_to_login(client):
    assert client.get(reverse("dashboard:report_csv", args=["campaign"])).status_code == 302

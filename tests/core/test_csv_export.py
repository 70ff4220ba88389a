from django.http import HttpResponse, StreamingHttpResponse

from core.csv_export import csv_download, csv_lines, csv_response, safe_cell


def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted():
    for dangerous in ["=HYPERLINK(\"http://evil\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1"]:
        assert safe_cell(dangerous) == "'" + dangerous


def test_phone_numbers_and_plain_numbers_stay_as_they_are():
    assert safe_cell("+14155550111") == "+14155550111"
    assert safe_cell("-12.5") == "-12.5"
    assert safe_cell("google") == "google"
    assert safe_cell(42) == 42


def test_csv_lines_start_with_a_bom_header_and_stream_one_line_per_row():
    lines = list(csv_lines(["a", "b"], iter([("=1", 2), ("x,y", None)])))
    assert lines == ["\ufeffa,b\r\n", "'=1,2\r\n", '"x,y",\r\n']


def test_a_ready_csv_string_is_sent_as_an_attachment_no_cache_keeps():
    response = csv_download("feed.csv", "a,b\n1,2\n")
    assert type(response) is HttpResponse and response.content == b"a,b\n1,2\n"
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="feed.csv"'
    assert response["Cache-Control"] == "no-store"


def test_rows_are_streamed_with_the_same_headers():
    response = csv_response("calls.csv", ["a"], iter([("=1",)]))
    assert isinstance(response, StreamingHttpResponse)
    assert b"".join(response.streaming_content) == "\ufeffa\r\n'=1\r\n".encode()
    assert response["Content-Disposition"] == 'attachment; filename="calls.csv"'
    assert response["Cache-Control"] == "no-store"

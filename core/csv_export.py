"""Streamed CSV downloads: rows are written as the database hands them over, so 1 M rows never sit in memory."""

import csv
import re
from collections.abc import Iterable

from django.http import HttpResponse, StreamingHttpResponse

# A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# …but a plain number such as an E.164 phone number or a negative amount is data, not a formula.
PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")


def safe_cell(value) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


class _Echo:
    """csv.writer wants a file; this one hands each written line straight back."""

    def write(self, value):
        return value


def csv_lines(header: Iterable, rows: Iterable[Iterable]):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([safe_cell(cell) for cell in header])  # BOM: Excel reads UTF-8
    for row in rows:
        yield writer.writerow([safe_cell(cell) for cell in row])


def csv_download(filename: str, content: str | Iterable[str]) -> HttpResponse | StreamingHttpResponse:
    """A CSV attachment that no cache keeps: a ready string is sent as is, an iterable of lines is streamed."""
    response: HttpResponse | StreamingHttpResponse
    if isinstance(content, str):
        response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    else:
        response = StreamingHttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def csv_response(filename: str, header: Iterable, rows: Iterable[Iterable]) -> HttpResponse | StreamingHttpResponse:
    """A streamed CSV of header and rows, formula-safe (safe_cell), with a BOM for Excel."""
    return csv_download(filename, csv_lines(header, rows))

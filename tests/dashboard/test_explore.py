from dataclasses import dataclass
from decimal import Decimal

import pytest

from dashboard.explore import (
    DEFAULT_SORT,
    change,
    drill_params,
    rows_compared,
    rows_sorted,
    sort_links,
    sort_parse,
)


@dataclass(frozen=True)
class Row:
    key: tuple
    label: str
    calls: int
    answered: int = 0
    first_time: int = 0
    visits: int | None = None
    conversion_rate: float | None = None
    conversions: int = 0
    value: Decimal = Decimal("0.00")


ROWS = [Row(("google", "cpc"), "google / cpc", 5, visits=50, conversion_rate=0.1),
        Row(("bing", "cpc"), "bing / cpc", 9, visits=30, conversion_rate=0.3),
        Row(("", ""), "(not set) / (not set)", 1)]


def test_sort_parse_accepts_columns_either_way_and_ignores_the_rest():
    assert sort_parse("calls") == "calls" and sort_parse("-conversion") == "-conversion"
    assert sort_parse("password") == DEFAULT_SORT and sort_parse(None) == DEFAULT_SORT


def test_rows_sort_by_any_column():
    assert [r.label for r in rows_sorted(ROWS, "-calls")] == ["bing / cpc", "google / cpc", "(not set) / (not set)"]
    assert [r.label for r in rows_sorted(ROWS, "label")] == ["(not set) / (not set)", "bing / cpc", "google / cpc"]
    assert [r.calls for r in rows_sorted(ROWS, "conversion")] == [1, 5, 9]


def test_sort_links_flip_the_current_column_and_start_numbers_descending():
    links = sort_links("-calls")
    assert links["calls"] == {"sort": "calls", "arrow": "↓", "aria": "descending"}
    assert links["answered"]["sort"] == "-answered" and links["label"]["sort"] == "label"


def test_change_against_the_previous_period():
    assert change(15, 10) == 0.5 and change(5, 10) == -0.5
    assert change(3, 0) is None and change(None, 4) is None


def test_rows_compared_pairs_previous_calls_and_drill_down_filters():
    compared = rows_compared([(row, 50.0) for row in ROWS], [Row(("google", "cpc"), "google / cpc", 4)], "source_medium",
                             base_params={"range": "7"})
    google, bing, unset = compared
    assert (google.previous_calls, google.calls_change, google.drill) == (4, 0.25, "range=7&source=google&medium=cpc")
    assert (bing.previous_calls, bing.calls_change) == (0, None)
    assert unset.drill == "range=7&blank=source%2Cmedium"


def test_rows_compared_compares_conversions_and_value_like_calls():
    now = Row(("google", "cpc"), "google / cpc", 5, conversions=3, value=Decimal("150.00"))
    before = Row(("google", "cpc"), "google / cpc", 5, conversions=2, value=Decimal("200.00"))
    (item,) = rows_compared([(now, 100.0)], [before], "source_medium", base_params={})
    assert (item.calls_change, item.conversions_change, item.value_change) == (0.0, 0.5, -0.25)
    (new,) = rows_compared([(now, 100.0)], [], "source_medium", base_params={})
    assert (new.conversions_change, new.value_change) == (None, None)


@pytest.mark.parametrize(("dimension", "key", "expected"), [
    ("source_medium", ("google", ""), {"source": "google", "blank": "medium"}),
    ("channel", ("Paid Search",), {"channel": "Paid Search"}),
    ("channel", ("",), {"blank": "channel"}),
    ("campaign", ("",), {"blank": "campaign"}),
    ("term", ("",), {"blank": "term"}),
    ("term", ("(not set)",), {"term": "(not set)"}),
    ("landing_page", ("localhost/pricing",), {"landing_page": "localhost/pricing"}),
    ("landing_page", ("",), {"blank": "landing_page"}),
    ("tracker", ("+12025550110",), {"tracking_number": "+12025550110"}),
    ("pool", ("",), {"blank": "pool_name"}),
])
def test_every_dimension_drills_down_empty_values_included(dimension, key, expected):
    assert drill_params(dimension, key) == expected


def test_a_dimension_the_calls_log_cannot_filter_has_no_drill_down():
    assert drill_params("no_such_dimension", ("x",)) is None

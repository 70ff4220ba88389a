"""A report page's table (reports.selectors.report_table): its first rows in a column's order, built without the
rest, must be the first rows of the whole report sorted as the page sorts it (dashboard.explore.rows_sorted), with
the same row count and totals."""

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.explore import SORT_COLUMNS, rows_sorted
from reports.aggregates import (
    COUNT_FIELDS,
    DIMENSIONS,
    REPORT_ORDERS,
    report_rows_from_totals,
    report_rows_ordered,
)
from reports.selectors import report_row_list, report_table, report_window
from tests.reports.test_report_spans import DAYS, _today, history  # noqa: F401 - the fixture

SORTS = [f"{direction}{column}" for column in SORT_COLUMNS for direction in ("", "-")]


def test_a_report_can_be_ordered_by_every_column_the_page_sorts_by():
    assert set(REPORT_ORDERS) == set(SORT_COLUMNS)


# Few distinct small counts and labels that differ by case only: ties in every column, where the order of ties shows.
_small = st.integers(0, 3)
_totals = st.dictionaries(
    st.tuples(st.sampled_from(["", "a", "A", "b", "B b", "(not set)", "é", "z"])),
    st.fixed_dictionaries({"calls": _small, "answered": _small, "missed": _small, "abandoned": _small,
                           "busy_or_failed": _small, "voicemail": _small, "first_time": _small, "conversions": _small,
                           "value": st.sampled_from([Decimal("0.00"), Decimal("1.50"), Decimal("1.5"), Decimal("10.00")]),
                           "visits": _small}),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(_totals, st.sampled_from(sorted(DIMENSIONS)), st.sampled_from(SORTS), st.integers(1, 5))
def test_the_first_rows_in_any_order_are_those_of_the_whole_report_sorted(totals, dimension, sort, limit):
    every = rows_sorted(report_rows_from_totals(dimension=dimension, totals=totals), sort)
    rows, entries = report_rows_ordered(dimension=dimension, totals=totals, order=sort.lstrip("-"),
                                        descending=sort.startswith("-"), limit=limit)
    assert rows == every[:limit]
    assert [key for key, _ in entries] == [row.key for row in every]


@pytest.mark.parametrize("seed", range(4))
def test_a_table_has_the_rows_count_and_totals_of_the_whole_report(account, history, seed):  # noqa: F811
    rng = random.Random(seed)
    today = _today(account)
    for _ in range(12):
        start = today - timedelta(days=rng.randrange(DAYS + 5))
        end = min(today, start + timedelta(days=rng.randrange(60)))
        dimension = rng.choice(sorted(DIMENSIONS))
        sort = rng.choice(SORTS)
        window = report_window(account=account, start_date=start, end_date=end, website=rng.choice([None, history]))
        every = rows_sorted(report_row_list(window=window, dimension=dimension), sort)
        keys = [row.key for row in rng.sample(every, min(2, len(every)))] + [("no such key",)]
        table = report_table(window=window, dimension=dimension, order=sort.lstrip("-"), descending=sort.startswith("-"),
                             limit=3, keys=keys)
        assert table.rows == every[:3], (start, end, dimension, sort)
        assert table.count == len(every)
        for field in COUNT_FIELDS:
            assert table.sums[field] == sum((getattr(row, field) or 0 for row in every),
                                            Decimal("0.00") if field == "value" else 0), field
        assert table.of_keys == {row.key: row for row in every if row.key in keys}

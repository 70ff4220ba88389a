from datetime import UTC, date

from dashboard.charts import DayPoint, calls_bar_chart, daily_series, nice_max, share_bars


def test_daily_series_fills_days_without_calls_with_zeros():
    rows = [{"day": date(2026, 1, 2), "calls": 5, "answered": 3}]
    points = daily_series(rows, date(2026, 1, 1), date(2026, 1, 3))
    assert points == [DayPoint(date(2026, 1, 1), 0, 0), DayPoint(date(2026, 1, 2), 3, 2), DayPoint(date(2026, 1, 3), 0, 0)]


def test_nice_max_rounds_up_so_four_gridlines_fall_on_round_steps():
    assert [nice_max(v) for v in (0, 3, 5, 8, 9, 20, 21, 41, 499, 801)] == [4, 4, 8, 8, 20, 20, 40, 80, 800, 2000]


def test_bar_chart_draws_one_stacked_bar_per_day_with_tooltips():
    points = [DayPoint(date(2026, 1, 1), 2, 1), DayPoint(date(2026, 1, 2), 0, 0), DayPoint(date(2026, 1, 3), 4, 0)]
    svg = str(calls_bar_chart(points))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count('class="answered"') == 2 and svg.count('class="missed"') == 1
    assert "Thu Jan 1: 3 calls, 2 answered, 1 not answered" in svg


def test_bar_chart_escapes_its_title():
    svg = str(calls_bar_chart([], title="<script>x</script>"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_share_bars_scale_to_the_biggest_row():
    class Row:
        def __init__(self, calls):
            self.calls = calls
    rows = [Row(10), Row(5), Row(0)]
    assert [width for _, width in share_bars(rows)] == [100.0, 50.0, 0.0]
    assert share_bars([Row(0)])[0][1] == 0.0


def test_concurrency_chart_draws_leased_area_size_steps_and_the_peak():
    from datetime import datetime, timedelta

    from dashboard.charts import concurrency_chart

    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    samples = [(start + timedelta(minutes=m), leased, 10 if m < 30 else 12) for m, leased in [(0, 2), (15, 7), (30, 4), (45, 1)]]
    svg = str(concurrency_chart(samples))
    assert svg.startswith("<svg") and 'class="leased"' in svg and 'class="size"' in svg
    assert "Peak 7 leased at Nov 1 09:15" in svg
    assert concurrency_chart([]) == ""


def test_concurrency_chart_labels_are_in_the_active_zone():
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from dashboard.charts import concurrency_chart

    first = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # 22:00 the day before in New York
    samples = [(first, 1, 4), (datetime(2026, 11, 25, 5, 0, tzinfo=UTC), 3, 4)]
    with timezone.override(ZoneInfo("America/New_York")):
        svg = str(concurrency_chart(samples))
    assert "Nov 24 22:00" in svg and "Peak 3 leased at Nov 25 00:00" in svg and "03:00" not in svg

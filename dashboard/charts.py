"""Server-rendered SVG charts: pure functions from plain data to markup (no ORM, no clock).

Every label goes through `escape`, so the returned SafeString can be put in a template as is.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class DayPoint:
    day: date
    answered: int
    missed: int

    @property
    def calls(self) -> int:
        return self.answered + self.missed


def daily_series(rows: list[dict], start: date, end: date) -> list[DayPoint]:
    """One point per day from start to end inclusive; days without calls are zeros.
    `rows` are calls_per_day() dicts: {"day", "calls", "answered"}."""
    by_day = {row["day"]: row for row in rows}
    points = []
    day = start
    while day <= end:
        row = by_day.get(day)
        calls = row["calls"] if row else 0
        answered = row["answered"] if row else 0
        points.append(DayPoint(day, answered, calls - answered))
        day += timedelta(days=1)
    return points


TICKS = 4


def nice_max(value: int) -> int:
    """A round axis maximum ≥ value whose TICKS gridlines fall on whole 1, 2, 5 × 10^n steps."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude * TICKS >= value:
                return step * magnitude * TICKS
        magnitude *= 10


WIDTH, HEIGHT = 760, 240
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 10, 12, 28


def calls_bar_chart(points: list[DayPoint], *, title: str = "Calls per day") -> SafeString:
    """Stacked bars (answered below, missed above) per day with a y axis and sparse date labels."""
    top = nice_max(max((p.calls for p in points), default=0))
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1.0)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i in range(TICKS + 1):
        value = top * i // TICKS
        y = PAD_TOP + plot_h - plot_h * i / TICKS
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" x2="{WIDTH - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>')
    label_every = max(1, round(len(points) / 8))
    for index, point in enumerate(points):
        x = PAD_LEFT + index * slot + (slot - bar_w) / 2
        answered_h = plot_h * point.answered / top
        missed_h = plot_h * point.missed / top
        base = PAD_TOP + plot_h
        tip = escape(f"{point.day:%a %b %-d}: {point.calls} calls, {point.answered} answered, {point.missed} missed")
        parts.append(f"<g><title>{tip}</title>")
        if point.answered:
            parts.append(f'<rect class="answered" x="{x:.1f}" y="{base - answered_h:.1f}" width="{bar_w:.1f}" height="{answered_h:.1f}"/>')
        if point.missed:
            parts.append(f'<rect class="missed" x="{x:.1f}" y="{base - answered_h - missed_h:.1f}" width="{bar_w:.1f}" height="{missed_h:.1f}"/>')
        parts.append("</g>")
        if index % label_every == 0:
            parts.append(f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{point.day:%b %-d}</text>')
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated label is escaped above


def share_bars(rows: list, *, value: str = "calls") -> list[tuple[object, float]]:
    """[(row, width 0–100)] so a table can draw proportional bars without template arithmetic."""
    biggest = max((getattr(row, value) or 0 for row in rows), default=0)
    return [(row, (100.0 * (getattr(row, value) or 0) / biggest) if biggest else 0.0) for row in rows]

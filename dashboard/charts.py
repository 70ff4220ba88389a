"""Server-rendered SVG charts: pure functions from plain data to markup (no ORM, no clock).

Every label goes through `escape`, so the returned SafeString can be put in a template as is.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class DayPoint:
    day: date
    answered: int
    unanswered: int  # missed, abandoned, busy or failed, still ringing: everything nobody picked up

    @property
    def calls(self) -> int:
        return self.answered + self.unanswered


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
# The phone version of a chart: drawn this wide, it fills a 390 px screen's card at about its own scale, so its
# labels stay readable and nothing scrolls sideways (the CSS shows one version or the other).
COMPACT_WIDTH = 340


def _chart_frame(top: int, title: str, *, width: int = WIDTH, css_class: str = "chart") -> list[str]:
    """The opening of every chart: the <svg> with its accessible title, and TICKS + 1 gridlines labelled
    0…top on the y axis. The caller appends its marks and closes with _chart_close()."""
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    parts = [
        f'<svg class="{css_class}" viewBox="0 0 {width} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i in range(TICKS + 1):
        value = top * i // TICKS
        y = PAD_TOP + plot_h - plot_h * i / TICKS
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" x2="{width - PAD_RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>')
    return parts


def _chart_close(parts: list[str]) -> SafeString:
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every interpolated label is escaped where it is written


def calls_bar_chart(points: list[DayPoint], *, title: str = "Calls per day", compact: bool = False) -> SafeString:
    """Stacked bars (answered below, not answered above) per day with a y axis and sparse date labels; `compact` draws
    the phone version (narrower, four date labels)."""
    width = COMPACT_WIDTH if compact else WIDTH
    top = nice_max(max((p.calls for p in points), default=0))
    plot_w = width - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    slot = plot_w / max(len(points), 1)
    bar_w = max(slot * 0.7, 1.0)
    parts = _chart_frame(top, title, width=width, css_class="chart compact" if compact else "chart")
    label_every = max(1, round(len(points) / (4 if compact else 8)))
    for index, point in enumerate(points):
        x = PAD_LEFT + index * slot + (slot - bar_w) / 2
        answered_h = plot_h * point.answered / top
        missed_h = plot_h * point.unanswered / top
        base = PAD_TOP + plot_h
        tip = escape(f"{point.day:%a %b %-d}: {point.calls} calls, {point.answered} answered, {point.unanswered} not answered")
        parts.append(f"<g><title>{tip}</title>")
        if point.answered:
            parts.append(f'<rect class="answered" x="{x:.1f}" y="{base - answered_h:.1f}" width="{bar_w:.1f}" height="{answered_h:.1f}"/>')
        if point.unanswered:
            parts.append(f'<rect class="missed" x="{x:.1f}" y="{base - answered_h - missed_h:.1f}" width="{bar_w:.1f}" height="{missed_h:.1f}"/>')
        parts.append("</g>")
        if index % label_every == 0:
            parts.append(f'<text class="axis" x="{x + bar_w / 2:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{point.day:%b %-d}</text>')
    return _chart_close(parts)


def share_bars(rows: list, *, value: str = "calls") -> list[tuple[object, float]]:
    """[(row, width 0–100)] so a table can draw proportional bars without template arithmetic."""
    biggest = max((getattr(row, value) or 0 for row in rows), default=0)
    return [(row, (100.0 * (getattr(row, value) or 0) / biggest) if biggest else 0.0) for row in rows]


def concurrency_chart(samples: list[tuple], *, title: str = "Leased numbers against pool size",
                      compact: bool = False) -> SafeString:
    """A visitor pool's concurrency over time: leased numbers (area) against the pool size (line); `compact` draws
    the phone version (COMPACT_WIDTH wide, so it fits a 390 px screen with its y axis).

    `samples` are (sampled_at, leased, size) tuples, oldest first, as pool_sizing_recommendation returns them.
    """
    if not samples:
        return mark_safe("")
    width = COMPACT_WIDTH if compact else WIDTH
    top = nice_max(max(max(leased, size) for _, leased, size in samples))
    plot_w = width - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    first, last = samples[0][0], samples[-1][0]
    span = max((last - first).total_seconds(), 1.0)

    def x_of(at) -> float:
        return PAD_LEFT + plot_w * (at - first).total_seconds() / span

    def y_of(value: int) -> float:
        return PAD_TOP + plot_h - plot_h * value / top

    parts = _chart_frame(top, title, width=width, css_class="chart compact" if compact else "chart")
    base = y_of(0)
    leased_points = " ".join(f"{x_of(at):.1f},{y_of(leased):.1f}" for at, leased, _ in samples)
    parts.append(
        f'<polygon class="leased" points="{x_of(first):.1f},{base:.1f} {leased_points} {x_of(last):.1f},{base:.1f}"/>'
    )
    size_points = []
    for index, (at, _, size) in enumerate(samples):
        if index:
            size_points.append(f"{x_of(at):.1f},{y_of(samples[index - 1][2]):.1f}")  # a step, not a slope
        size_points.append(f"{x_of(at):.1f},{y_of(size):.1f}")
    parts.append(f'<polyline class="size" fill="none" points="{" ".join(size_points)}"/>')
    peak_at, peak, _ = max(samples, key=lambda s: s[1])
    peak_at = timezone.localtime(peak_at)  # labels in the account's zone (the active one), like the page
    parts.append(f'<circle class="peak" cx="{x_of(peak_at):.1f}" cy="{y_of(peak):.1f}" r="3.5">'
                 f'<title>{escape(f"Peak {peak} leased at {peak_at:%b %-d %H:%M}")}</title></circle>')
    label_format = "%H:%M" if compact else "%b %-d %H:%M"  # the phone's is short: two labels share 300 px
    for label_at in (first, last):
        anchor = "start" if label_at is first else "end"
        parts.append(f'<text class="axis" x="{x_of(label_at):.1f}" y="{HEIGHT - 8}" text-anchor="{anchor}">'
                     f'{escape(timezone.localtime(label_at).strftime(label_format))}</text>')
    return _chart_close(parts)

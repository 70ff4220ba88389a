"""The date range and website filter every dashboard page honours, parsed from the query string in one place.

Bad values never raise: they fall back to the defaults and come back as problems the view shows as messages.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from accounts.models import Website

PRESETS = {"7": 7, "30": 30, "90": 90}  # the last N days, today included
CALENDAR_PRESETS = {"today": "Today", "yesterday": "Yesterday", "month": "This month", "last-month": "Last month"}
CHIPS = [("today", "Today"), ("yesterday", "Yesterday"), ("7", "7 days"), ("30", "30 days"), ("90", "90 days"),
         ("month", "This month"), ("last-month", "Last month")]
DEFAULT_PRESET = "30"
MAX_CUSTOM_DAYS = 366


@dataclass(frozen=True)
class DashboardFilters:
    preset: str                      # "7" | "30" | "90" | "today" | "yesterday" | "month" | "last-month" | "custom"
    start_date: date                 # first day shown, in the account's time zone
    end_date: date                   # last day shown (inclusive)
    zone: ZoneInfo
    website: Website | None = None
    websites: list[Website] = field(default_factory=list)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.start_date, time.min, tzinfo=self.zone)

    @property
    def end(self) -> datetime:
        """Exclusive upper bound: midnight after end_date."""
        return datetime.combine(self.end_date + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    def params(self) -> dict[str, str]:
        params = {"range": self.preset}
        if self.preset == "custom":
            params["start"] = self.start_date.isoformat()
            params["end"] = self.end_date.isoformat()
        if self.website is not None:
            params["website"] = str(self.website.pk)
        return params

    @property
    def querystring(self) -> str:
        return urlencode(self.params())

    def with_params(self, **extra) -> str:
        """This filter's query string plus page-specific parameters (empty values dropped)."""
        params = self.params()
        params.update({key: str(value) for key, value in extra.items() if value not in (None, "")})
        return urlencode(params)

    def preset_links(self, extra: dict[str, str] | None = None) -> list[dict]:
        """The preset chips: each keeps the website and the page's own filters, switching only the range."""
        links = []
        for value, label in CHIPS:
            params = {"range": value, **({"website": str(self.website.pk)} if self.website else {}), **(extra or {})}
            links.append({"label": label, "query": urlencode(params), "is_on": self.preset == value})
        return links

    def previous(self) -> "DashboardFilters":
        """The period of the same length just before this one (what Δ % compares against)."""
        length = timedelta(days=self.days)
        return DashboardFilters("custom", self.start_date - length, self.end_date - length, self.zone,
                                self.website, self.websites)

    @property
    def label(self) -> str:
        if self.preset in PRESETS:
            return f"Last {PRESETS[self.preset]} days"
        if self.preset in CALENDAR_PRESETS:
            return CALENDAR_PRESETS[self.preset]
        return f"{self.start_date:%b %-d, %Y} – {self.end_date:%b %-d, %Y}"


def preset_dates(preset: str, today: date) -> tuple[date, date]:
    """(first day, last day) of a preset range ending today (or yesterday, or last month)."""
    if preset == "today":
        return today, today
    if preset == "yesterday":
        return today - timedelta(days=1), today - timedelta(days=1)
    if preset == "month":
        return today.replace(day=1), today
    if preset == "last-month":
        last_day = today.replace(day=1) - timedelta(days=1)
        return last_day.replace(day=1), last_day
    return today - timedelta(days=PRESETS[preset] - 1), today


EARLIEST = date(2000, 1, 1)


def _parse_date(raw: str | None) -> date | None:
    """A YYYY-MM-DD date in a sane span (far-future dates would overflow the day arithmetic)."""
    try:
        value = date.fromisoformat((raw or "").strip()[:10])
    except ValueError:
        return None
    return value if EARLIEST <= value <= date(2100, 12, 31) else None


def parse_filters(*, params, websites: list[Website], zone: ZoneInfo, today: date) -> tuple[DashboardFilters, list[str]]:
    """(filters, problems) from a QueryDict-like mapping. `websites` are the account's, so another
    account's website id is simply unknown here."""
    problems: list[str] = []
    preset = params.get("range") or DEFAULT_PRESET
    start_date = end_date = None
    if preset == "custom":
        start_date, end_date = _parse_date(params.get("start")), _parse_date(params.get("end"))
        if start_date is None or end_date is None:
            problems.append("Pick both a start and an end date (YYYY-MM-DD). Showing the last 30 days instead.")
        elif start_date > end_date:
            problems.append("The start date is after the end date. Showing the last 30 days instead.")
        elif (end_date - start_date).days + 1 > MAX_CUSTOM_DAYS:
            problems.append(f"Date ranges are limited to {MAX_CUSTOM_DAYS} days. Showing the last 30 days instead.")
        else:
            start_date, end_date = start_date, end_date
        if problems:
            preset, start_date, end_date = DEFAULT_PRESET, None, None
    elif preset not in PRESETS and preset not in CALENDAR_PRESETS:
        problems.append(f"Unknown date range “{preset[:20]}”. Showing the last 30 days instead.")
        preset = DEFAULT_PRESET
    if start_date is None or end_date is None:
        start_date, end_date = preset_dates(preset, today)

    website = None
    raw_website = params.get("website") or ""
    if raw_website:
        by_id = {str(site.pk): site for site in websites}
        website = by_id.get(raw_website.strip())
        if website is None:
            problems.append("That website is not in your account. Showing all websites.")
    return DashboardFilters(preset, start_date, end_date, zone, website, list(websites)), problems

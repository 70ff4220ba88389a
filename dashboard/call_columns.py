"""The calls log's columns: one registry. A column is a key (used in `?columns=`, `?sort=` and saved views), a
header, how it sorts (database order expressions, ascending) and its cell: a function of the row (CallRow: the call,
its time and link) returning the cell's HTML (escaped with format_html / conditional_escape).

The cells are Python, not a template each: a page of 50 calls × 10 columns was 500 template includes and most of
the page's time (~100 ms). `call_rows` renders the table's rows once; the template only places them.

To add a column: append a CallColumn here with its cell function; the chooser, the sort links, saved views and the
tests' "every column renders and sorts" pick it up. Sorting is always completed by the call's id, so equal values
keep one order across pages (stable; the source/medium sort orders equal pairs by time first, then by id); NULLs sort
last in both directions (a column that cannot be NULL is ordered without NULLS LAST, the same order, so the indexes
that serve the sorts match it).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Case, F, OuterRef, Subquery, When
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from calls.models import Call
from calls.results import HELP, call_result
from core.phones import phone_display
from core.templatetags.callpool import duration, page_path, wrap_at_slashes


def _first_tag_name():
    """The alphabetically first tag of the call: how a column of tag lists sorts."""
    through = Call.tags.through.objects.filter(call_id=OuterRef("pk")).order_by("tag__name").values("tag__name")[:1]
    return Subquery(through)


DASH = "—"
MUTED_DASH = mark_safe('<span class="muted">—</span>')


@dataclass(frozen=True)
class CallRow:
    call: Call
    when: str  # the start as the log shows it ("Mar 4, 14:05"): Django's date "M j, H:i" in the zone in force
    url: str   # the call's page


def call_when(moment) -> str:
    """`moment` as the date filter's "M j, H:i" ("Mar 4, 14:05") in the zone in force (the account's), without
    the date filter's cost (a tenth of a millisecond each, twice a row)."""
    local = localtime(moment)
    return f"{str(MONTHS_3[local.month]).title()} {local.day}, {local.hour:02d}:{local.minute:02d}"


def _text(value, empty: str = DASH) -> str:
    return conditional_escape(value or empty)


def _started_cell(row: CallRow) -> str:
    return format_html('<a href="{}">{}</a>', row.url, row.when)


def _caller_cell(row: CallRow) -> str:
    call = row.call
    html: list[str] = [conditional_escape(phone_display(call.caller_number or "") or "Unknown")]
    if call.is_first_time_caller:
        html.append(' <span class="tag new" title="First call from this number">new</span>')
    if call.spam:
        html.append(' <span class="tag warn" title="Marked spam: left out of reports and conversions">spam</span>')
    html.append("\n")
    if call.caller_name:
        html.append(format_html('<div class="small caller-name">{}</div>', call.caller_name))
    if location := call.caller_location_display:
        html.append(format_html('<div class="muted small">{}</div>', location))
    return mark_safe("".join(html))  # noqa: S308 - every part is escaped or a literal


def _result_cell(row: CallRow) -> str:
    call = row.call
    result = call_result(call)
    html: list[str] = [format_html('<span class="status s-{}" title="{}">{}</span>', result.value, HELP[result],
                                   result.label)]
    if call.is_conversion:
        html.append(' <span class="tag conv" title="Counts as a conversion">conv.</span>')
    if call.voicemail:
        html.append(' <span class="tag" title="The caller left a voicemail">voicemail</span>')
    elif call.has_recording:
        html.append(' <span class="tag" title="Recorded">rec</span>')
    if call.talk_seconds:
        html.append(format_html(' <span class="muted small">{}</span>', duration(call.talk_seconds)))
    return mark_safe("".join(html))  # noqa: S308 - every part is escaped or a literal


def _talk_time_cell(row: CallRow) -> str:
    call = row.call
    return conditional_escape(duration(call.talk_seconds)) if call.talk_seconds else MUTED_DASH


def _outcome_cell(row: CallRow) -> str:
    call = row.call
    if not call.outcome:
        return MUTED_DASH
    return format_html('<span class="outcome o-{}">{}</span>', call.outcome, call.get_outcome_display())


def _value_cell(row: CallRow) -> str:
    call = row.call
    if call.value is not None:
        return format_html('<span title="Set by hand or by a rule">{}</span>', localize(call.value))
    if call.is_conversion:
        return format_html("<span title=\"The conversion rule's value\">{}</span>", localize(call.conversion_value))
    return MUTED_DASH


def _tags_cell(row: CallRow) -> str:
    call = row.call
    tags = call.tags.all()
    if not tags:
        return MUTED_DASH
    return mark_safe("".join(format_html('<span class="tag call-tag" style="border-color:{}">{}</span> ', tag.color, tag.name)
                             for tag in tags))  # noqa: S308 - format_html escaped each


def _score_cell(row: CallRow) -> str:
    call = row.call
    if not call.score:
        return MUTED_DASH
    return format_html('<span class="score" title="Score {} of 5">{}</span>', localize(call.score),
                       "★" * int(call.score) + "☆" * (5 - int(call.score)))


def _source_medium_cell(row: CallRow) -> str:
    label = row.call.source_medium
    if not label:
        return mark_safe('<span class="muted">Not attributed</span>')
    return format_html("{}", label)


def _landing_page_cell(row: CallRow) -> str:
    call = row.call
    if not call.landing_page:
        return MUTED_DASH
    return format_html('<span class="page-path" title="{}">{}</span>', call.landing_page,
                       wrap_at_slashes(page_path(call.landing_page)))


def _tracking_number_cell(row: CallRow) -> str:
    call = row.call
    return format_html('<span class="mono nowrap">{}</span>', phone_display(call.tracking_number or ""))


def _pool_cell(row: CallRow) -> str:
    call = row.call
    return _text(call.pool.name if call.pool else "")


@dataclass(frozen=True)
class CallColumn:
    key: str
    label: str
    order: tuple[str, ...]  # model fields (or names of `annotate`) in ascending order
    cell: Callable[["CallRow"], str]  # the cell's HTML (safe)
    default: bool = True
    annotate: dict[str, Callable[[], Expression]] = field(default_factory=dict)  # added only when sorting by it
    cell_class: str = ""
    required: bool = False  # always shown (the link to the call)
    # The first `grouped` order fields are NOT NULL fields with few distinct values per account, and an index on
    # (account, those fields, the rest of the order, id) exists: pages are read group by group (a loose index scan
    # of the groups, then each group's stretch of the date range), never by sorting the whole range.
    grouped: int = 0


CALL_COLUMNS: tuple[CallColumn, ...] = (
    CallColumn("started", "When", ("started_at",), _started_cell, required=True, cell_class="nowrap"),
    CallColumn("caller", "Caller", ("caller_number",), _caller_cell, cell_class="nowrap"),
    CallColumn("result", "Result", ("status", "talk_seconds"), _result_cell, cell_class="nowrap"),
    CallColumn("talk_time", "Talk time", ("talk_seconds",), _talk_time_cell, default=False, cell_class="num nowrap"),
    CallColumn("outcome", "Outcome", ("outcome",), _outcome_cell),
    CallColumn("value", "Value", ("effective_value",), _value_cell, cell_class="num nowrap",
               annotate={"effective_value": lambda: Coalesce(F("value"), Case(When(is_conversion=True,
                                                                                      then=F("conversion_value"))))}),
    CallColumn("tags", "Tags", ("first_tag",), _tags_cell, annotate={"first_tag": _first_tag_name}),
    CallColumn("score", "Score", ("score",), _score_cell, cell_class="nowrap"),
    # Few distinct source/medium pairs, many calls each: equal pairs in time order (then the id), so a page is read
    # pair by pair from one stretch of an index each (dashboard.selectors.calls, grouped), not by sorting the range.
    CallColumn("source_medium", "Source / medium", ("source", "medium", "started_at"), _source_medium_cell,
               grouped=2),
    CallColumn("campaign", "Campaign", ("campaign",), lambda row: _text(row.call.campaign), default=False, cell_class="wrap"),
    CallColumn("keyword", "Keyword", ("term",), lambda row: _text(row.call.term), cell_class="wrap"),
    CallColumn("landing_page", "Landing page", ("landing_page_key",), _landing_page_cell, cell_class="wrap"),
    CallColumn("channel", "Channel", ("channel",), lambda row: _text(row.call.channel), default=False),
    CallColumn("tracking_number", "Tracking number", ("tracking_number",), _tracking_number_cell, default=False),
    CallColumn("pool", "Pool", ("pool__name",), _pool_cell, default=False, cell_class="wrap"),
    CallColumn("location", "Caller location", ("caller_region", "caller_city"),
               lambda row: _text(row.call.caller_location_display), default=False, cell_class="wrap"),
)
COLUMNS_BY_KEY = {column.key: column for column in CALL_COLUMNS}
DEFAULT_COLUMNS = tuple(column.key for column in CALL_COLUMNS if column.default)
DEFAULT_SORT = "-started"
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50


def columns_clean(keys) -> tuple[str, ...]:
    """Known keys in the registry's order, the required ones always in; None when nothing known was asked for."""
    wanted = {str(key).strip() for key in keys or ()}
    if not wanted & set(COLUMNS_BY_KEY):
        return ()
    return tuple(column.key for column in CALL_COLUMNS if column.key in wanted or column.required)


def columns_parse(raw: str) -> tuple[str, ...]:
    """`?columns=started,caller,value` → the known ones (empty when none is known)."""
    return columns_clean(raw.split(",")) if raw else ()


def sort_parse(raw: str | None) -> tuple[str, str]:
    """(`?sort=` value, problem): "value" ascending, "-value" descending; an unknown column is the default."""
    raw = (raw or "").strip()
    if not raw:
        return DEFAULT_SORT, ""
    if raw.lstrip("-") not in COLUMNS_BY_KEY:
        return DEFAULT_SORT, f"Unknown sort “{raw[:20]}”; showing the newest calls first."
    return raw, ""


def sort_order(sort: str) -> tuple[dict[str, Expression], list]:
    """(annotations, order_by) of a parsed sort: the column's fields in its direction, then the id the same way."""
    column = COLUMNS_BY_KEY[sort.lstrip("-")]
    descending = sort.startswith("-")
    annotations = {name: make() for name, make in column.annotate.items()}
    order = [_ordered(name, descending=descending, nullable=name in annotations or _nullable(name))
             for name in column.order]
    order.append(F("id").desc() if descending else F("id").asc())
    return annotations, order


def _nullable(name: str) -> bool:
    """Whether a sort field (a Call field, or `relation__field`) can be NULL: a relation's field can (no row)."""
    if "__" in name:
        return True
    try:
        return Call._meta.get_field(name).null
    except FieldDoesNotExist:
        return True


def _ordered(name: str, *, descending: bool, nullable: bool):
    """NULLs last in both directions; a NOT NULL column is ordered plainly (the same order), so an index on it
    serves the sort both ways (an index scanned backwards gives DESC NULLS FIRST)."""
    if not nullable:
        return F(name).desc() if descending else F(name).asc()
    return F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True)


def page_size_parse(raw: str | None) -> int | None:
    """25, 50 or 100 from `?per_page=`; None for anything else."""
    try:
        size = int(raw or "")
    except ValueError:
        return None
    return size if size in PAGE_SIZES else None


def header_links(sort: str, columns: tuple[str, ...]) -> list[dict]:
    """The header cells: label, the sort a click asks for (descending first for numbers and time, ascending for
    words; a second click flips), and aria-sort for the column in force."""
    links = []
    for key in columns:
        column = COLUMNS_BY_KEY[key]
        on = sort.lstrip("-") == key
        descending_first = key in ("started", "talk_time", "value", "score")
        if on:
            next_sort = key if sort.startswith("-") else f"-{key}"
        else:
            next_sort = f"-{key}" if descending_first else key
        aria = ("descending" if sort.startswith("-") else "ascending") if on else ""
        links.append({"key": key, "label": column.label, "sort": next_sort, "aria_sort": aria,
                      "cell_class": column.cell_class, "arrow": ("↓" if sort.startswith("-") else "↑") if on else ""})
    return links


def call_rows(calls, columns: tuple[str, ...]) -> list[dict]:
    """The log's rows: {"call", "when" (call_when), "cells": the row's <td>s (safe HTML)}, one per call."""
    cells = [(COLUMNS_BY_KEY[key].cell, format_html('<td class="col-{} {}">', key, COLUMNS_BY_KEY[key].cell_class))
             for key in columns]
    marker = 2_147_483_647
    url = reverse("dashboard:call_detail", args=[marker])  # once a page: reverse() is slow, the pattern is fixed
    rows = []
    for call in calls:
        row = CallRow(call=call, when=call_when(call.started_at), url=url.replace(str(marker), str(call.pk)))
        rows.append({"call": call, "when": row.when,
                     "cells": SafeString("".join(f"{opening}{cell(row)}\n</td>" for cell, opening in cells))})
    return rows

"""The calls log's columns: one registry. A column is a key (used in `?columns=`, `?sort=` and saved views), a
header, how it sorts (database order expressions, ascending) and the template of its cell
(`templates/dashboard/partials/call_cells/_<key>.html`, given `call`).

To add a column: append a CallColumn here and write its cell template; the chooser, the sort links, saved views
and the tests' "every column renders and sorts" pick it up. Sorting is always completed by the call's id, so equal
values keep one order across pages (stable); NULLs sort last in both directions.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Case, F, OuterRef, Subquery, When
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce

from calls.models import Call


def _first_tag_name():
    """The alphabetically first tag of the call: how a column of tag lists sorts."""
    through = Call.tags.through.objects.filter(call_id=OuterRef("pk")).order_by("tag__name").values("tag__name")[:1]
    return Subquery(through)


@dataclass(frozen=True)
class CallColumn:
    key: str
    label: str
    order: tuple[str, ...]  # model fields (or names of `annotate`) in ascending order
    default: bool = True
    annotate: dict[str, Callable[[], Expression]] = field(default_factory=dict)  # added only when sorting by it
    cell_class: str = ""
    required: bool = False  # always shown (the link to the call)

    @property
    def template(self) -> str:
        return f"dashboard/partials/call_cells/_{self.key}.html"


CALL_COLUMNS: tuple[CallColumn, ...] = (
    CallColumn("started", "When", ("started_at",), required=True, cell_class="nowrap"),
    CallColumn("caller", "Caller", ("caller_number",), cell_class="nowrap"),
    CallColumn("result", "Result", ("status", "talk_seconds"), cell_class="nowrap"),
    CallColumn("talk_time", "Talk time", ("talk_seconds",), default=False, cell_class="num nowrap"),
    CallColumn("outcome", "Outcome", ("outcome",)),
    CallColumn("value", "Value", ("effective_value",), cell_class="num nowrap",
               annotate={"effective_value": lambda: Coalesce(F("value"), Case(When(is_conversion=True,
                                                                                      then=F("conversion_value"))))}),
    CallColumn("tags", "Tags", ("first_tag",), annotate={"first_tag": _first_tag_name}),
    CallColumn("score", "Score", ("score",), cell_class="nowrap"),
    CallColumn("source_medium", "Source / medium", ("source", "medium")),
    CallColumn("campaign", "Campaign", ("campaign",), default=False, cell_class="wrap"),
    CallColumn("keyword", "Keyword", ("term",), cell_class="wrap"),
    CallColumn("landing_page", "Landing page", ("landing_page_key",), cell_class="wrap"),
    CallColumn("channel", "Channel", ("channel",), default=False),
    CallColumn("tracking_number", "Tracking number", ("tracking_number",), default=False),
    CallColumn("pool", "Pool", ("pool__name",), default=False, cell_class="wrap"),
    CallColumn("location", "Caller location", ("caller_region", "caller_city"), default=False, cell_class="wrap"),
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
    order = [F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True) for name in column.order]
    order.append(F("id").desc() if descending else F("id").asc())
    return annotations, order


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
                      "cell_class": column.cell_class, "template": column.template, "arrow": ("↓" if sort.startswith("-") else "↑") if on else ""})
    return links

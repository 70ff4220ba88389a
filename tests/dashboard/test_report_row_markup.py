"""The report table's row tag writes its cells with f-strings for speed; it must write exactly what the filters the
template used (format_html, localize, floatformat, change_badge) wrote. The reference below is that earlier code."""

from dataclasses import replace
from decimal import Decimal

import pytest
from django.template.defaultfilters import floatformat
from django.test import override_settings
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from core.templatetags.callpool import percent, phone_display, wrap_at_slashes
from dashboard.explore import Compared
from dashboard.templatetags.dashboard_tags import change_badge, get_item, report_row
from reports.aggregates import DIMENSIONS, ReportRow
from reports.attribution_models import credit_text


def _reference_change_badge(value, lower_is_better=""):
    if value is None:
        return format_html('<span class="delta none" title="{}">–</span>', "Nothing in the previous period to compare with")
    if abs(value) < 0.005:
        return mark_safe('<span class="delta flat">±0%</span>')  # format_html() without arguments: the same
    up = value > 0
    good = up != bool(lower_is_better)
    return format_html('<span class="delta {}">{} {}%</span>', "good" if good else "bad", "▲" if up else "▼",
                       f"{abs(value) * 100:.0f}")


def _reference_report_row(context, item):
    row, dimension = item.row, context["dimension"].name
    if dimension == "tracker":
        name = get_item(context["tracker_names"], row.key[0])
        label = format_html("{}{}", phone_display(row.key[0]),
                            format_html(' <span class="muted">· {}</span>', name) if name else "")
    else:
        label = wrap_at_slashes(row.label)
    drill = (format_html('<a class="drill" href="{}?{}" title="See these calls">', context["call_list_url"], item.drill),
             mark_safe("</a>")) if item.drill else ("", "")
    visits = (format_html('<td class="num">{}</td><td class="num">{}</td>', localize(row.visits), percent(row.conversion_rate))
              if context["has_visits"] else "")
    return format_html(
        '<tr><td>{}<div class="barcell"><span class="bar" style="width:{}%"></span><span class="barlabel{}">{}</span></div>{}</td>\n'
        '        <td class="num">{}{}</td><td class="num">{}</td><td class="num">{}</td>\n'
        '        <td class="num">{}{}</td><td class="num">{}{}</td>\n'
        '        {}</tr>',
        drill[0], floatformat(item.width, 0), " mono" if dimension == "tracker" else "", label, drill[1],
        localize(credit_text(row.calls)), _reference_change_badge(item.calls_change), localize(credit_text(row.answered)),
        localize(credit_text(row.first_time)), localize(credit_text(row.conversions)),
        _reference_change_badge(item.conversions_change), floatformat(row.value, 2),
        _reference_change_badge(item.value_change), visits,
    )


_text = st.text(alphabet="ab /<>&\"'é-_.?=%", max_size=30)
_count = st.one_of(st.integers(0, 10**9), st.floats(0, 10**6, allow_nan=False).map(lambda x: round(x, 2)))
_change = st.one_of(st.none(), st.floats(-1, 50, allow_nan=False), st.sampled_from([0.0, 0.004, -0.004, 0.005, 0.125, -0.995]))
_value = st.one_of(st.decimals(min_value=-1000, max_value=10**10, places=2, allow_nan=False, allow_infinity=False),
                   st.sampled_from([Decimal("0.00"), Decimal("-0.00"), Decimal("0.005"), Decimal("2.675"), Decimal("1E+3")]))
# As dashboard.charts.share_bars computes them: 100 × a row's calls ÷ the biggest row's.
_width = st.one_of(st.tuples(st.integers(0, 10**9), st.integers(1, 10**9)).map(lambda ab: 100.0 * min(ab) / max(ab)),
                   st.sampled_from([0.0, 0.5, 1.5, 2.5, 49.5, 99.5, 100.0, 1e-20]))


@st.composite
def _items(draw):
    dimension = draw(st.sampled_from(sorted(DIMENSIONS)))
    has_visits = DIMENSIONS[dimension].visit_fields is not None
    visits = draw(st.integers(0, 10**7)) if has_visits else None
    conversions = draw(_count)
    key = ((draw(st.sampled_from(["+13125550100", "+442071838750", "", "bad<number>"])),) if dimension == "tracker"
           else (draw(_text),))
    row = ReportRow(key=key, label=draw(_text), calls=draw(_count), answered=draw(_count), first_time=draw(_count),
                    missed=0, abandoned=0, busy_or_failed=0, voicemail=0, visits=visits, conversions=conversions,
                    value=draw(_value), conversion_rate=(1 / visits) if visits else None, calls_per_visit=None)
    item = Compared(row, draw(_width), 0, draw(_change), drill=draw(st.one_of(st.none(), _text.filter(bool))),
                    conversions_change=draw(_change), value_change=draw(_change))
    context = {"dimension": DIMENSIONS[dimension], "has_visits": has_visits, "call_list_url": "/dashboard/calls/",
               "tracker_names": {"+13125550100": draw(_text)}}
    return context, item


@settings(max_examples=400, deadline=None)
@given(_items())
def test_a_report_row_is_written_as_the_template_filters_wrote_it(context_and_item):
    context, item = context_and_item
    assert str(report_row(context, item)) == str(_reference_report_row(context, item))


@pytest.mark.parametrize("grouped", [False, True])
def test_large_numbers_are_written_as_the_filters_write_them_with_and_without_grouping(grouped):
    row = ReportRow(key=("a&b",), label="a&b / c", calls=1234567, answered=1000, first_time=2.5, missed=0, abandoned=0,
                    busy_or_failed=0, voicemail=0, visits=9876543, conversions=12.25, value=Decimal("1234567.895"),
                    conversion_rate=0.5, calls_per_visit=None)
    item = Compared(row, 33.5, 0, 0.25, drill="term=a%26b", conversions_change=None, value_change=-0.5)
    context = {"dimension": DIMENSIONS["term"], "has_visits": True, "call_list_url": "/dashboard/calls/", "tracker_names": {}}
    with override_settings(USE_THOUSAND_SEPARATOR=grouped):
        written = str(report_row(context, item))
        assert written == str(_reference_report_row(context, item))
        assert ("1,234,567" in written) is grouped
        assert str(report_row(context, replace(item, drill=None))) == str(_reference_report_row(context, replace(item, drill=None)))


@given(st.one_of(st.none(), st.floats(-10, 10, allow_nan=False)), st.sampled_from(["", "1"]))
def test_the_change_badge_is_written_as_format_html_wrote_it(value, lower_is_better):
    assert str(change_badge(value, lower_is_better)) == str(_reference_change_badge(value, lower_is_better))


def test_the_row_escapes_what_comes_from_outside():
    row = ReportRow(key=("<script>",), label="<script>/x", calls=1, answered=0, first_time=0, missed=0, abandoned=0,
                    busy_or_failed=0, voicemail=0, visits=1, conversions=0, value=Decimal("0.00"), conversion_rate=0.0,
                    calls_per_visit=None)
    item = Compared(row, 100.0, 0, None, drill='term="><script>')
    context = {"dimension": DIMENSIONS["term"], "has_visits": True, "call_list_url": "/c/", "tracker_names": {}}
    written = str(report_row(context, item))
    assert "<script>" not in written
    assert "&lt;script&gt;/<wbr>x" in written and 'href="/c/?term=&quot;&gt;&lt;script&gt;"' in written

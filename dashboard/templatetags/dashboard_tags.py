"""Dashboard-only template filters: a call's result in a marketer's words."""

from decimal import ROUND_HALF_UP, Decimal
from html import escape

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.urls import NoReverseMatch, reverse
from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.models import Membership
from accounts.selectors import is_account_admin
from calls.models import Call
from calls.results import HELP, call_result
from core.templatetags.callpool import percent, phone_display, wrap_at_slashes
from reports.aggregates import CENTS
from reports.attribution_models import credit_text

register = template.Library()


@register.filter
def call_outcome(call):
    """(css slug, label, help sentence) of the call's result (calls.results)."""
    result = call_result(call)
    return result.value, result.label, HELP[result]


@register.filter
def call_status_label(value):
    """A telephony status value ("no-answer") as its label ("No answer")."""
    try:
        return Call.Status(value).label
    except ValueError:
        return value


@register.filter
def change_badge(value, lower_is_better=""):
    """Δ % against the previous period as a small badge ("▲ 25%", "▼ 50%"); "" when there is nothing to compare.
    Written without format_html: its parts are constants and digits, and a report page draws three badges a row."""
    if value is None:
        return _NO_CHANGE
    if abs(value) < 0.005:
        return _FLAT
    up = value > 0
    good = up != bool(lower_is_better)
    return mark_safe(f'<span class="delta {"good" if good else "bad"}">{"▲" if up else "▼"} {abs(value) * 100:.0f}%</span>')  # noqa: S308 - no outside text


_NO_CHANGE = format_html('<span class="delta none" title="{}">–</span>', "Nothing in the previous period to compare with")
_FLAT = mark_safe('<span class="delta flat">±0%</span>')  # noqa: S308 - a constant


@register.filter
def get_item(mapping, key):
    return (mapping or {}).get(key)


@register.filter
def stars(score):
    """A 1–5 score as filled and empty stars: ★★★☆☆."""
    score = int(score or 0)
    return "★" * score + "☆" * (5 - score)


# The header's "Settings" menu for account admins: where the admin keeps each thing a person sets up.
SETTINGS_LINKS = (
    ("Account", "admin:accounts_account_changelist"),
    ("Users and roles", "admin:accounts_membership_changelist"),
    ("Websites", "admin:accounts_website_changelist"),
    ("Pools", "admin:pools_pool_changelist"),
    ("Tracking numbers", "admin:trackers_calltracker_changelist"),
    ("Tags", "admin:calls_tag_changelist"),
    ("Blocked callers", "admin:calls_blockednumber_changelist"),
    ("Conversion rules", "admin:calls_conversionrule_changelist"),
    ("Phone provider", "admin:telephony_telephonysettings_changelist"),
    ("API tokens", "admin:api_apitoken_changelist"),
    ("Audit log", "admin:accounts_auditentry_changelist"),
)


@register.inclusion_tag("dashboard/partials/_settings_menu.html", takes_context=True)
def settings_menu(context):
    """Links into the admin for the account's admins (staff with an admin membership); nothing for others.
    Only staff users cost a query: a marketer is never staff."""
    request = context["request"]
    account = context.get("account") or getattr(request, "account", None)
    user = request.user
    memberships = getattr(request, "memberships", None)  # read once by the account middleware, when it ran
    if account is None or not user.is_staff:
        show = False
    elif user.is_superuser:
        show = True
    elif memberships is not None:
        show = any(m.account_id == account.pk and m.role == Membership.Role.ADMIN for m in memberships)
    else:
        show = is_account_admin(user=user, account=account)
    links = []
    if show:
        for label, name in SETTINGS_LINKS:
            try:
                links.append((label, reverse(name)))
            except NoReverseMatch:  # a model not registered in this build
                continue
    return {"links": links}


@register.filter
def credit(value):
    """A count credited by an attribution model: whole numbers as they are, linear shares to two decimals."""
    return credit_text(value)


def _count_text(value) -> str:
    """localize(credit(value)), the cell text of a count: a plain integer's is its digits unless numbers are grouped
    (Django's number_format takes the same short cut, after three format lookups)."""
    text = credit(value)
    if isinstance(text, int) and not settings.USE_THOUSAND_SEPARATOR:
        return str(text)
    return str(localize(text))


def _money_text(value) -> str:
    """floatformat(value, 2) of an amount, done by Decimal itself when numbers are not grouped."""
    if isinstance(value, Decimal) and value.is_finite() and not settings.USE_THOUSAND_SEPARATOR:
        cents = value.quantize(CENTS, ROUND_HALF_UP)
        return f"{cents if cents else abs(cents):f}"  # floatformat never writes "-0.00"
    return str(floatformat(value, 2))


def _width_text(width: float) -> str:
    """floatformat(width, 0) of a bar width (0–100): rounded half up, as floatformat rounds."""
    return str(Decimal(str(width)).quantize(_ONE, ROUND_HALF_UP))


_ONE = Decimal(1)


@register.simple_tag(takes_context=True)
def report_row(context, item):
    """One row of the report table (dashboard/report.html), the markup its template loop wrote, built in Python: a
    keyword report shows 100 rows of nine cells, and the template engine spent more on them than the query did.
    Every value is written as the template's filter wrote it, and the only outside text (the label, the drill-down
    link) is escaped as format_html escapes it (tests compare the two)."""
    row, dimension = item.row, context["dimension"].name
    if dimension == "tracker":
        name = get_item(context["tracker_names"], row.key[0])
        label = format_html("{}{}", phone_display(row.key[0]),
                            format_html(' <span class="muted">· {}</span>', name) if name else "")
    else:
        label = wrap_at_slashes(row.label)
    if item.drill:
        drill_open = f'<a class="drill" href="{escape(str(context["call_list_url"]))}?{escape(str(item.drill))}" title="See these calls">'
        drill_close = "</a>"
    else:
        drill_open = drill_close = ""
    visits = (f'<td class="num">{_count_text(row.visits)}</td><td class="num">{escape(percent(row.conversion_rate))}</td>'
              if context["has_visits"] else "")
    return mark_safe(  # noqa: S308 - the outside text in it is escaped above
        f'<tr><td>{drill_open}<div class="barcell"><span class="bar" style="width:{_width_text(item.width)}%"></span>'
        f'<span class="barlabel{" mono" if dimension == "tracker" else ""}">{label}</span></div>{drill_close}</td>\n'
        f'        <td class="num">{_count_text(row.calls)}{change_badge(item.calls_change)}</td>'
        f'<td class="num">{_count_text(row.answered)}</td><td class="num">{_count_text(row.first_time)}</td>\n'
        f'        <td class="num">{_count_text(row.conversions)}{change_badge(item.conversions_change)}</td>'
        f'<td class="num">{_money_text(row.value)}{change_badge(item.value_change)}</td>\n'
        f'        {visits}</tr>'
    )

"""Dashboard-only template filters: a call's result in a marketer's words."""

from django import template
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
    """Δ % against the previous period as a small badge ("▲ 25%", "▼ 50%"); "" when there is nothing to compare."""
    if value is None:
        return format_html('<span class="delta none" title="{}">–</span>', "Nothing in the previous period to compare with")
    if abs(value) < 0.005:
        return format_html('<span class="delta flat">±0%</span>')
    up = value > 0
    good = up != bool(lower_is_better)
    return format_html('<span class="delta {}">{} {}%</span>', "good" if good else "bad", "▲" if up else "▼",
                       f"{abs(value) * 100:.0f}")


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


@register.simple_tag(takes_context=True)
def report_row(context, item):
    """One row of the report table (dashboard/report.html), the markup its template loop wrote, built in Python: a
    keyword report shows 100 rows of nine cells, and the template engine spent more on them than the query did.
    Every value goes through the filter the template used and is escaped the same way."""
    row, dimension = item.row, context["dimension"].name
    if dimension == "tracker":
        name = get_item(context["tracker_names"], row.key[0])
        label = format_html("{}{}", phone_display(row.key[0]),
                            format_html(' <span class="muted">· {}</span>', name) if name else "")
    else:
        label = wrap_at_slashes(row.label)
    drill = (format_html('<a class="drill" href="{}?{}" title="See these calls">', context["call_list_url"], item.drill),
             mark_safe("</a>")) if item.drill else ("", "")  # noqa: S308 - a constant
    visits = (format_html('<td class="num">{}</td><td class="num">{}</td>', localize(row.visits), percent(row.conversion_rate))
              if context["has_visits"] else "")
    return format_html(
        '<tr><td>{}<div class="barcell"><span class="bar" style="width:{}%"></span><span class="barlabel{}">{}</span></div>{}</td>\n'
        '        <td class="num">{}{}</td><td class="num">{}</td><td class="num">{}</td>\n'
        '        <td class="num">{}{}</td><td class="num">{}{}</td>\n'
        '        {}</tr>',
        drill[0], floatformat(item.width, 0), " mono" if dimension == "tracker" else "", label, drill[1],
        localize(credit(row.calls)), change_badge(item.calls_change), localize(credit(row.answered)),
        localize(credit(row.first_time)), localize(credit(row.conversions)), change_badge(item.conversions_change),
        floatformat(row.value, 2), change_badge(item.value_change), visits,
    )

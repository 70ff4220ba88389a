from dataclasses import replace
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import is_account_admin, refused_origins_by_website
from accounts.services import refused_origin_dismiss
from accounts.snippet import (
    FORMAT_DETECTION_META,
    WORDPRESS_PLUGIN_FILENAME,
    amp_snippet,
    snippet_html,
    wordpress_plugin_zip,
)
from attribution.classification import ADS_TRACKING_TEMPLATE
from automation.selectors import call_rule_trace
from calls.flows import call_flow_preview, local_time
from calls.models import Call
from calls.outcomes import call_mark, call_set_outcome, calls_mark_bulk
from calls.results import CallResult, call_result
from calls.selectors import (
    call_outcome_history,
    conversion_rule_for_call,
    conversion_rules_by_website,
    tag_list,
)
from calls.simulation import call_simulate
from core.actors import Actor
from core.csv_export import csv_response
from core.errors import DomainError
from core.phones import phone_display
from dashboard.call_columns import (
    CALL_COLUMNS,
    DEFAULT_COLUMNS,
    DEFAULT_PAGE_SIZE,
    PAGE_SIZES,
    call_rows,
    columns_clean,
    columns_parse,
    header_links,
    page_size_parse,
)
from dashboard.call_columns import DEFAULT_SORT as CALL_DEFAULT_SORT
from dashboard.call_columns import sort_parse as call_sort_parse
from dashboard.call_filters import call_filters_describe, call_filters_parse
from dashboard.call_views import view_params_clean, view_query
from dashboard.charts import calls_bar_chart, share_bars
from dashboard.csv_columns import call_export_header, report_csv_header, report_csv_rows
from dashboard.cursors import cursor_decode
from dashboard.decorators import dashboard_page
from dashboard.explore import (
    DEFAULT_SORT,
    change,
    rows_compared,
    rows_with_drill,
    sort_links,
    sort_parse,
)
from dashboard.forms import (
    SCORE_CHOICES,
    AddNumbersForm,
    CallBulkForm,
    CallFlowForm,
    CallMarksForm,
    CallOutcomeForm,
    FlowPreviewForm,
    TestCallForm,
)
from dashboard.selectors.call_views import call_log_preference_get, saved_view_get, saved_view_list
from dashboard.selectors.calls import (
    call_export_rows,
    call_get,
    call_journey,
    call_page,
    call_page_position,
    call_page_sorted,
)
from dashboard.selectors.overview import overview_get
from dashboard.selectors.pools import (
    pool_detail_get,
    pool_for_account,
    pool_health_list,
    pool_trackers,
    pools_needing_attention,
)
from dashboard.selectors.report_page import (
    report_get,
    report_page_get,
    report_previous_get,
    tracker_names,
)
from dashboard.selectors.websites import website_install_list, website_untagged_paid_clicks
from dashboard.services import call_log_preference_save, saved_view_delete, saved_view_save
from pools.help import POOL_HEALTH_HELP
from pools.models import Pool
from pools.selectors import pool_live_by_website, pool_type_guide
from pools.services import bought_summary, pool_provision, pool_update
from reports.aggregates import DIMENSIONS
from reports.attribution_models import LAST, LOOKBACK_DAYS, MODEL_HELP, MODELS, model_changes_rows
from telephony.call_flow import CallFacts, call_flow_clean, preview_sentences
from telephony.providers import ProviderError
from telephony.recordings import recording_stream
from transcripts.selectors import call_transcripts, transcription_backend


def _page(request, template, context, *, keep: dict[str, str] | None = None):
    """Render a dashboard page; `keep` are the page's own query parameters the range/website pickers preserve."""
    keep = keep or {}
    return render(request, template, {
        "account": request.account, "filters": request.filters,
        "filter_links": request.filters.preset_links(keep), "extra_params": list(keep.items()), **context,
    })


@dashboard_page()
def overview(request):
    data = overview_get(account=request.account, filters=request.filters)
    data["pools_needing_attention"] = pools_needing_attention(account=request.account, filters=request.filters)
    data["previous_label"] = _previous_label(request.filters)
    data["chart"] = calls_bar_chart(data["points"])
    data["chart_compact"] = calls_bar_chart(data["points"], compact=True)
    base = request.filters.params()
    data["top_sources"] = rows_with_drill(share_bars(data["top_sources"]), "source_medium", base_params=base)
    data["top_campaigns"] = rows_with_drill(share_bars(data["top_campaigns"]), "campaign", base_params=base)
    return _page(request, "dashboard/overview.html", data)


def _call_filters(request):
    pools = list(Pool.objects.filter(account=request.account).order_by("name"))
    call_filters, problems = call_filters_parse(params=request.GET, pools=pools, region=request.account.default_region)
    for problem in problems:
        messages.warning(request, problem)
    return call_filters, pools


# Filters a link can set (report drill-down, KPI cards, old links) that the form has no control for: kept as
# hidden fields, so changing another filter keeps them.
HIDDEN_FILTERS = ("status", "answered", "pool_name", "blank")
REPORT_ROWS_SHOWN = 100


def _hidden_filters(call_filters) -> list[tuple[str, str]]:
    return [(name, value) for name, value in call_filters.params().items() if name in HIDDEN_FILTERS]


def _call_layout(request) -> tuple[tuple[str, ...], int, dict[str, str]]:
    """(columns, page size, the layout parameters links must carry): a link's or saved view's `columns` and
    `per_page` first, else the person's saved layout, else the defaults."""
    preference = call_log_preference_get(account=request.account, user=request.user)
    columns = columns_parse(request.GET.get("columns") or "")
    per_page = page_size_parse(request.GET.get("per_page"))
    carried = {}
    if columns:
        carried["columns"] = ",".join(columns)
    else:
        columns = (columns_clean(preference.columns) if preference else ()) or DEFAULT_COLUMNS
    if per_page:
        carried["per_page"] = str(per_page)
    else:
        per_page = preference.per_page if preference else DEFAULT_PAGE_SIZE
    return columns, per_page, carried


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 7 else 1


@dashboard_page()
def call_list(request):
    """The calls log: filters, any column sorted (keyset pages for the newest-first default, numbered pages for
    the others), the person's columns and page size, saved views, bulk edit."""
    call_filters, pools = _call_filters(request)
    sort, problem = call_sort_parse(request.GET.get("sort"))
    if problem:
        messages.warning(request, problem)
    columns, per_page, layout = _call_layout(request)
    kept = {**call_filters.params(), **layout}
    page_params = {**kept, **({"sort": sort} if sort != CALL_DEFAULT_SORT else {})}
    if sort == CALL_DEFAULT_SORT:
        raw_cursor = request.GET.get("after", "")
        cursor = cursor_decode(raw_cursor)
        if raw_cursor and cursor is None:
            messages.warning(request, "That page link is not valid; showing the newest calls.")
        calls, next_cursor = call_page(account=request.account, filters=request.filters, call_filters=call_filters,
                                       cursor=cursor, page_size=per_page)
        position = call_page_position(account=request.account, filters=request.filters, call_filters=call_filters,
                                      page=calls, is_first_page=cursor is None, page_size=per_page)
        previous = position["previous"]
        previous_query = None if previous is None else request.filters.with_params(**page_params, after=previous)
        next_query = request.filters.with_params(**page_params, after=next_cursor) if next_cursor else None
    else:
        calls, position = call_page_sorted(account=request.account, filters=request.filters, call_filters=call_filters,
                                           sort=sort, page=_page_number(request.GET.get("page")), page_size=per_page)
        previous_query = request.filters.with_params(**page_params, page=position["page"] - 1) if position["page"] > 1 else None
        next_query = (request.filters.with_params(**page_params, page=position["page"] + 1)
                      if position["page"] < position["pages"] else None)
    current_view = view_params_clean({**request.filters.params(), **page_params, "columns": ",".join(columns),
                                      "per_page": str(per_page)})
    views = [{"view": view, "query": view_query(view.params), "is_on": view_params_clean(view.params) == current_view}
             for view in saved_view_list(account=request.account, user=request.user)]
    return _page(request, "dashboard/call_list.html", {
        "calls": calls, "rows": call_rows(calls, columns), "call_filters": call_filters, "pools": pools, "results": CallResult.choices,
        "tags": list(tag_list(account=request.account)), "score_choices": SCORE_CHOICES[1:],
        "outcome_choices": CallOutcomeForm.base_fields["outcome"].choices, "bulk_actions": CallBulkForm.ACTIONS,  # type: ignore[attr-defined]
        "outcome_filter_choices": [("none", "No outcome"), *Call.Outcome.choices],
        "position": position, "hidden_filters": _hidden_filters(call_filters),
        "filter_words": call_filters_describe(call_filters),
        "filter_query": request.filters.with_params(**page_params),
        "sort_query": request.filters.with_params(**kept),
        "headers": header_links(sort, columns), "sort": sort,
        "column_choices": [(column, column.key in columns) for column in CALL_COLUMNS],
        "per_page": per_page, "page_sizes": PAGE_SIZES, "layout": layout,
        "saved_views": views, "current_view_query": urlencode(current_view),
        "previous_query": previous_query, "next_query": next_query,
    }, keep=page_params)


@dashboard_page(write=True, filters=False)
def call_layout(request):
    """The log's "Columns" form: the person's columns and page size, kept for next time."""
    columns = request.POST.getlist("columns")
    try:
        call_log_preference_save(user=request.user, account=request.account, columns=columns,
                                 per_page=page_size_parse(request.POST.get("per_page")) or 0)
    except DomainError as exc:
        messages.error(request, f"Columns not saved: {exc.message}")
    else:
        messages.success(request, "Columns saved.")
    back = {key: value for key, value in request.GET.items() if key not in ("columns", "per_page", "page", "after")}
    return redirect(reverse("dashboard:call_list") + (f"?{urlencode(back)}" if back else ""))


@dashboard_page(write=True, filters=False)
def call_view_save(request):
    """Save the log as it is (the query string of the save form's action) under a name."""
    try:
        view = saved_view_save(user=request.user, account=request.account, name=request.POST.get("name"),
                               params=request.GET)
    except DomainError as exc:
        messages.error(request, f"View not saved: {exc.message}")
        return redirect(reverse("dashboard:call_list") + (f"?{request.GET.urlencode()}" if request.GET else ""))
    messages.success(request, f"Saved the view “{view.name}”.")
    return redirect(reverse("dashboard:call_list") + f"?{view_query(view.params)}")


@dashboard_page(write=True, filters=False)
def call_view_delete(request, pk):
    view = saved_view_get(account=request.account, user=request.user, pk=pk)
    name = view.name
    saved_view_delete(view=view)
    messages.success(request, f"Deleted the view “{name}”.")
    return redirect(reverse("dashboard:call_list") + (f"?{request.GET.urlencode()}" if request.GET else ""))


@dashboard_page()
def call_list_csv(request):
    call_filters, _ = _call_filters(request)
    rows = call_export_rows(account=request.account, filters=request.filters, call_filters=call_filters)
    filename = f"calls-{request.filters.start_date}-{request.filters.end_date}.csv"
    return csv_response(filename, call_export_header(zone_name=request.account.timezone), rows)


@dashboard_page()
def call_detail(request, pk):
    call = call_get(account=request.account, pk=pk)
    journey = call_journey(account=request.account, call=call)
    transcripts = call_transcripts(call=call)
    # Which backend only matters for a recording without a transcript ("transcription is off" or "not yet").
    backend = transcription_backend(account=request.account) if call.has_recording and not transcripts else ""
    return _page(request, "dashboard/call_detail.html", {
        "call": call, "journey": journey, "rule_trace": call_rule_trace(account=request.account, call=call),
        "transcripts": transcripts, "transcription_backend": backend,
        **_call_outcome_context(request, call)})


def _call_outcome_context(request, call) -> dict:
    """The call page's outcome form, its history and the website's conversion rule."""
    form = CallOutcomeForm(initial={"outcome": call.outcome, "value": call.value, "note": call.note})
    call_tags = {tag.name for tag in call.tags.all()}
    return {
        "tag_choices": [(tag, tag.name in call_tags) for tag in tag_list(account=request.account)],
        "score_choices": SCORE_CHOICES,
        "outcome_form": form, "outcome_choices": form.fields["outcome"].choices,  # type: ignore[attr-defined]
        "outcome_history": call_outcome_history(account=request.account, call=call),
        "conversion_rule": conversion_rule_for_call(call=call), "currency": request.account.currency,
    }


@dashboard_page(write=True, filters=False)
def call_outcome(request, pk):
    """Marketers and admins alike mark what a call was; the service keeps history and recomputes the conversion."""
    call = call_get(account=request.account, pk=pk)
    form = CallOutcomeForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in form.errors.items())
        messages.error(request, f"The outcome was not saved. {problems}")
    else:
        try:
            call = call_set_outcome(call=call, actor=Actor.person(request.user, via="dashboard"), **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, f"The outcome was not saved: {exc.message}")
        else:
            verdict = "counts as a conversion" if call.is_conversion else "is not a conversion"
            messages.success(request, f"Saved. This call {verdict}.")
    query = request.GET.urlencode()
    return redirect(reverse("dashboard:call_detail", args=[call.pk]) + (f"?{query}" if query else ""))


def _back_to_call(request, call):
    query = request.GET.urlencode()
    return redirect(reverse("dashboard:call_detail", args=[call.pk]) + (f"?{query}" if query else ""))


@dashboard_page(write=True, filters=False)
def call_marks(request, pk):
    """Tags and score, through the same service as the outcome (history, call.updated)."""
    call = call_get(account=request.account, pk=pk)
    form = CallMarksForm(request.POST, tag_names=[tag.name for tag in tag_list(account=request.account)])
    if not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in form.errors.items())
        messages.error(request, f"Tags and score were not saved. {problems}")
        return _back_to_call(request, call)
    try:
        call_mark(call=call, actor=Actor.person(request.user, via="dashboard"), tags=form.tag_names(),
                  score=form.cleaned_data["score"])
    except DomainError as exc:
        messages.error(request, f"Tags and score were not saved: {exc.message}")
    else:
        messages.success(request, "Tags and score saved.")
    return _back_to_call(request, call)


@dashboard_page(write=True, filters=False)
def call_spam(request, pk):
    """Mark the call spam (its caller goes on the block list) or not spam (the caller's own number comes off)."""
    call = call_get(account=request.account, pk=pk)
    spam = request.POST.get("spam") == "1"
    try:
        call = call_mark(call=call, actor=Actor.person(request.user, via="dashboard"), spam=spam)
    except DomainError as exc:
        messages.error(request, f"Not saved: {exc.message}")
    else:
        blocked = f" Calls from {phone_display(call.caller_number)} are now rejected." if spam and call.caller_number else ""
        messages.success(request, f"Marked spam: left out of reports and conversions.{blocked}" if spam else "Marked not spam.")
    return _back_to_call(request, call)


@dashboard_page(write=True, filters=False)
def call_bulk(request):
    """The calls log's bulk edit (add tag, score, outcome, spam) over the ticked calls, through call_mark."""
    form = CallBulkForm(request.POST)
    back = reverse("dashboard:call_list") + (f"?{request.GET.urlencode()}" if request.GET else "")
    if not form.is_valid():
        problems = "; ".join(" ".join(map(str, errors)) for errors in form.errors.values())
        messages.error(request, f"Nothing changed. {problems}")
        return redirect(back)
    try:
        changed = calls_mark_bulk(account=request.account, call_ids=form.cleaned_data["calls"],
                                  actor=Actor.person(request.user, via="dashboard"), **form.changes())
    except DomainError as exc:
        messages.error(request, f"Nothing changed: {exc.message}")
    else:
        messages.success(request, f"{changed} call{'s' if changed != 1 else ''} changed.")
    return redirect(back)


@dashboard_page(filters=False)
def call_recording(request, pk):
    """The call's recording, streamed from the provider with the account's credentials (never the browser's).
    Honours one `Range` (206 Partial Content), so players can seek; HEAD answers the headers alone."""
    call = call_get(account=request.account, pk=pk)
    if not call.has_recording:
        raise Http404("This call has no recording")
    try:
        stream = recording_stream(account=request.account, url=call.recording_url,
                                  range_header=request.headers.get("Range", ""))
    except ProviderError as exc:
        return HttpResponse(f"The recording could not be fetched: {exc}", status=502, content_type="text/plain")
    if request.method == "HEAD" or stream.status == 416:
        stream.close()
    # Streaming even when empty: a plain response would get "Content-Length: 0" for a HEAD of unknown length.
    chunks = [] if request.method == "HEAD" else stream.chunks
    response = StreamingHttpResponse(chunks, status=stream.status, content_type=stream.content_type)
    response["Accept-Ranges"] = "bytes"
    if stream.content_range:
        response["Content-Range"] = stream.content_range
    if stream.length is not None:
        response["Content-Length"] = str(stream.length)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = f'inline; filename="call-{call.pk}-recording"'
    return response


def _dimension(name):
    if name not in DIMENSIONS:
        raise Http404("No such report")
    return name


@dashboard_page()
def report(request, dimension="source_medium"):
    model = _model(request)
    sort = sort_parse(request.GET.get("sort"))
    # A page shows the first REPORT_ROWS_SHOWN rows in the chosen order (the totals and the CSV have them all):
    # a keyword report can have thousands of rows, and building and rendering them is what made the page slow.
    data = report_page_get(account=request.account, filters=request.filters, dimension=_dimension(dimension),
                           sort=sort, shown=REPORT_ROWS_SHOWN, model=model)
    previous = report_previous_get(account=request.account, filters=request.filters.previous(), dimension=dimension,
                                   keys=[row.key for row in data["rows"]], model=model)
    data["rows_shown"] = len(data["rows"])
    data["rows"] = rows_compared(share_bars(data["rows"]), previous["rows"], dimension,
                                 base_params=request.filters.params())
    if model_changes_rows(model=model, dimension=dimension):
        # The calls log lists calls by the session that showed the number: a first-touch row has no such list.
        data["rows"] = [replace(item, drill=None) for item in data["rows"]]
    data["model"], data["models"] = model, MODELS
    data["model_help"] = MODEL_HELP[model].format(days=LOOKBACK_DAYS)
    data["model_query"] = f"&model={model}" if model != LAST else ""
    data["totals_change"] = {key: change(data["totals"][key], previous["totals"][key])
                             for key in ("calls", "answered", "first_time", "conversions", "value", "visits")}
    data["previous_label"] = _previous_label(request.filters)
    data["call_list_url"] = reverse("dashboard:call_list")  # the rows' drill-down links (reversed once, not per row)
    data["tracker_names"] = tracker_names(account=request.account) if dimension == "tracker" else {}
    data["dimensions"] = list(DIMENSIONS.values())
    data["currency"] = request.account.currency
    data["sort"], data["sort_links"] = sort, sort_links(sort)
    columns = [("label", "", ""), ("calls", "Calls", "num"), ("answered", "Answered", "num"), ("first_time", "First-time", "num"),
               ("conversions", "Conversions", "num"), ("value", f"Value ({request.account.currency})", "num")]
    if data["has_visits"]:
        columns += [("visits", "Visits", "num"), ("conversion", "Conversion rate", "num")]
    data["sort_columns"] = columns
    keep = ({"sort": sort} if sort != DEFAULT_SORT else {}) | ({"model": model} if model != LAST else {})
    return _page(request, "dashboard/report.html", data, keep=keep)


def _model(request) -> str:
    """The report's attribution model (?model=; an unknown value reads as the default)."""
    model = request.GET.get("model", LAST)
    return model if model in MODELS else LAST


def _previous_label(filters) -> str:
    previous = filters.previous()
    return f"{previous.start_date:%b %-d} – {previous.end_date:%b %-d}"


@dashboard_page()
def report_csv(request, dimension):
    model = _model(request)
    data = report_get(account=request.account, filters=request.filters, dimension=_dimension(dimension), model=model)
    spec = data["dimension"]
    suffix = "" if model == LAST else f"-{model}"
    filename = f"report-{spec.name}{suffix}-{request.filters.start_date}-{request.filters.end_date}.csv"
    return csv_response(filename, report_csv_header(spec), report_csv_rows(data["rows"]))


def _memberships(request):
    """The user's memberships the account middleware read (None when it did not run): is_account_admin without a query."""
    return getattr(request, "memberships", None)


@dashboard_page()
def pool_list(request):
    pools = pool_health_list(account=request.account, filters=request.filters)
    guide = pool_type_guide(account=request.account, now=timezone.now())
    return _page(request, "dashboard/pool_list.html", {"pools": pools, "guide": guide})


@dashboard_page(filters=False)
def pool_help(request):
    """End-user help on automated pools in the FAQ's words: rules, states, the flag days, why a pool waits, health."""
    return render(request, "dashboard/pool_help.html", {"account": request.account, "states": POOL_HEALTH_HELP})


@dashboard_page()
def pool_detail(request, pk):
    pool = pool_for_account(account=request.account, pk=pk)
    data = pool_detail_get(account=request.account, pool=pool, filters=request.filters)
    trackers = [tracker for _, _, group in data["tracker_groups"] for tracker in group]
    data["test_call_form"] = _test_call_form(request, pool=pool, trackers=trackers)
    is_admin = is_account_admin(user=request.user, account=request.account, memberships=_memberships(request))
    can_buy = not pool.is_retired and is_admin
    data["add_numbers_form"] = AddNumbersForm() if can_buy else None
    # Account admins get the way into the admin, where the pool's settings and numbers are edited.
    data["admin_links"] = ({"edit": reverse("admin:pools_pool_change", args=[pool.pk]),
                            "numbers": reverse("admin:trackers_calltracker_changelist") + f"?pool__id__exact={pool.pk}"}
                           if is_admin and request.user.is_staff else None)
    data["can_edit_flow"] = can_buy
    now = local_time(request.account, timezone.now())
    data["flow_sentences"] = preview_sentences(
        pool.call_flow, now=now, number_display=phone_display,
        facts=CallFacts(original_number=pool.original_number, record=pool.record_calls,
                        has_notice_audio=bool(pool.notice_audio_digest)))[:1 if pool.call_flow is None else None]
    return _page(request, "dashboard/pool_detail.html", data)


@dashboard_page()
def website_list(request):
    websites = website_install_list(account=request.account, filters=request.filters)
    untagged = website_untagged_paid_clicks(account=request.account, filters=request.filters)
    rules = conversion_rules_by_website(account=request.account, websites=websites)
    refused = refused_origins_by_website(account=request.account, websites=websites)
    pools = pool_live_by_website(account=request.account, website_ids=[site.pk for site in websites])
    installs = [{"website": site, "snippet": snippet_html(site), "untagged_paid_clicks": untagged.get(site.pk, 0),
                 "conversion_rule": rules[site.pk], "refused_origins": refused[site.pk],
                 "amp": [{"pool": pool, "snippet": amp_snippet(site, pool)} for pool in pools[site.pk]]}
                for site in websites]
    return _page(request, "dashboard/website_list.html", {
        "installs": installs,
        "can_dismiss": any(refused.values()) and is_account_admin(user=request.user, account=request.account, memberships=_memberships(request)), "format_detection_meta": FORMAT_DETECTION_META, "ads_tracking_template": ADS_TRACKING_TEMPLATE,
        "currency": request.account.currency, "public_base_url": settings.PUBLIC_BASE_URL,
    })


@dashboard_page(write=True, admins_only=True)
def refused_origin_dismiss_view(request, pk):
    """An account admin hides a refused origin that is not theirs (anyone can send any Origin header)."""
    try:
        row = refused_origin_dismiss(account=request.account, pk=pk, actor=Actor.person(request.user, via="dashboard"))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Dismissed {row.host}.")
    return redirect(f"{reverse('dashboard:website_list')}?{request.filters.querystring}")


@dashboard_page(filters=False)
def wordpress_plugin(request):
    response = HttpResponse(wordpress_plugin_zip(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{WORDPRESS_PLUGIN_FILENAME}"'
    return response


def _test_call_form(request, *, pool, trackers, post=None) -> TestCallForm | None:
    """Only sandbox numbers take test calls: a fake call on a real provider number would pollute reports."""
    sandbox = [tracker for tracker in trackers if tracker.provider == "sandbox"]
    if not sandbox or pool.is_retired:
        return None
    return TestCallForm(post, trackers=sandbox, region=request.account.default_region)


@dashboard_page(write=True)
def pool_test_call(request, pk):
    pool = pool_for_account(account=request.account, pk=pk)
    trackers = pool_trackers(pool=pool)
    form = _test_call_form(request, pool=pool, trackers=trackers, post=request.POST)
    detail_url = reverse("dashboard:pool_detail", args=[pool.pk])
    if form is None or not form.is_valid():
        problems = "; ".join(f"{field}: {' '.join(map(str, errors))}" for field, errors in (form.errors.items() if form else []))
        messages.error(request, f"The test call was not placed. {problems or 'This pool has no sandbox numbers.'}")
        return redirect(detail_url)
    tracker = next(t for t in trackers if t.pk == form.cleaned_data["tracker"])
    try:
        call = call_simulate(
            tracking_number=tracker.tracking_number, caller_number=form.cleaned_data["caller"],
            duration_seconds=form.cleaned_data["duration_seconds"], answered=form.cleaned_data["answered"],
        )
    except DomainError as exc:
        messages.error(request, f"The test call was not placed: {exc.message}")
        return redirect(detail_url)
    if call.source or call.medium:
        attribution = f"attributed to {call.source} / {call.medium} ({call.get_attribution_method_display().lower()})"
    else:
        attribution = "not attributed to any source"
    messages.success(request, f"Test call placed ({call_result(call).label.lower()}), {attribution}.")
    return redirect(reverse("dashboard:call_detail", args=[call.pk]))


@dashboard_page(write=True, admins_only=True)
def pool_add_numbers(request, pk):
    """Buy numbers for this pool from the account's provider (account admins only), through the same service
    as the admin's "Provision numbers" action, so its rules (retired pools, limits) hold here too."""
    pool = pool_for_account(account=request.account, pk=pk)
    detail_url = f"{reverse('dashboard:pool_detail', args=[pool.pk])}?{request.filters.querystring}"
    form = AddNumbersForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Numbers were not added: choose between 1 and 50.")
        return redirect(detail_url)
    try:
        created = pool_provision(pool=pool, count=form.cleaned_data["count"],
                                 actor=Actor.person(request.user, via="dashboard"))
    except DomainError as exc:
        messages.error(request, f"Numbers were not added: {exc.message}")
        return redirect(detail_url)
    why = bought_summary(created)  # which search found them: the area code, the state, nearby, toll-free
    messages.success(request, f"Added {len(created)} number{'s' if len(created) != 1 else ''} to {pool.name}. "
                              f"{why[0].upper()}{why[1:]}.")
    return redirect(detail_url)


def _call_flow_context(request, *, pool, form, flow, draft: bool) -> dict:
    """The editor, the preview sentences of `flow` (saved or a draft) and the one for the time asked (?at=)."""
    now = local_time(request.account, timezone.now())
    facts = CallFacts(original_number=pool.original_number, record=pool.record_calls,
                      has_notice_audio=bool(pool.notice_audio_digest))
    preview_form = FlowPreviewForm(request.GET or None)
    asked = None
    if preview_form.is_valid() and preview_form.cleaned_data.get("at"):
        at = preview_form.cleaned_data["at"].replace(tzinfo=None).replace(tzinfo=now.tzinfo)
        asked = call_flow_preview(pool=pool, flow=flow, at_local=at)
    return {
        "pool": pool, "form": form, "preview_form": preview_form, "draft": draft, "asked": asked,
        "sentences": preview_sentences(flow, now=now, facts=facts, number_display=phone_display),
        "can_edit": not pool.is_retired and is_account_admin(user=request.user, account=request.account, memberships=_memberships(request)),
        "zone": request.account.timezone,
    }


@dashboard_page()
def pool_call_flow(request, pk):
    """Call handling of a pool: business hours, holidays, voicemail, notice and whisper, with a preview."""
    pool = pool_for_account(account=request.account, pk=pk)
    form = CallFlowForm(initial=CallFlowForm.initial_from(pool.call_flow))
    return _page(request, "dashboard/pool_call_flow.html",
                 _call_flow_context(request, pool=pool, form=form, flow=pool.call_flow, draft=False))


@dashboard_page(write=True, admins_only=True)
def pool_call_flow_save(request, pk):
    """Save the editor through pool_update (the admin's and the API's service), or preview the draft unsaved."""
    pool = pool_for_account(account=request.account, pk=pk)
    form = CallFlowForm(request.POST)
    if form.is_valid():
        flow = form.to_flow()
        try:
            flow = call_flow_clean(flow, region=request.account.default_region)
            if request.POST.get("action") != "preview":
                pool_update(pool=pool, actor=Actor.person(request.user, via="dashboard"), reason="call handling changed",
                            call_flow=flow)
                messages.success(request, f"Call handling of {pool.name} saved.")
                return redirect(f"{reverse('dashboard:pool_call_flow', args=[pool.pk])}?{request.filters.querystring}")
            return _page(request, "dashboard/pool_call_flow.html",
                         _call_flow_context(request, pool=pool, form=form, flow=flow, draft=True))
        except DomainError as exc:
            form.add_error(None, exc.message)
    return _page(request, "dashboard/pool_call_flow.html",
                 _call_flow_context(request, pool=pool, form=form, flow=pool.call_flow, draft=False))

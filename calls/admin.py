from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from accounts.admin_scoping import ServiceAdmin, admin_account_ids, admin_actor
from calls.blocklist import blocked_number_add, blocked_number_remove
from calls.models import BlockedNumber, Call, CallEvent, CallOutcomeChange, ConversionRule, Tag
from calls.outcomes import call_set_outcome, conversion_rule_update
from calls.results import CallResult, call_result_q
from calls.simulation import call_simulate
from calls.tags import tag_create, tag_delete, tag_update
from core.admin_inlines import ReadOnlyInline
from core.admin_paginator import CheapPaginator
from core.errors import DomainError
from core.phones import parse_phone, phone_display
from trackers.models import CallTracker


class CallEventInline(ReadOnlyInline):
    model = CallEvent
    fields = ["received_at", "call_sid", "sequence_number", "status"]
    ordering = ["-received_at", "-id"]
    verbose_name_plural = "Provider callbacks"


class CallOutcomeChangeInline(ReadOnlyInline):
    model = CallOutcomeChange
    fields = ["created_at", "actor_label", "actor", "from_outcome", "to_outcome", "from_value", "to_value", "to_note",
              "to_tags", "to_score", "to_spam"]
    ordering = ["-created_at", "-id"]
    verbose_name_plural = "Outcome history"


OUTCOME_FIELDS = ["outcome", "value", "note"]
# Written by the provider's callbacks, by attribution and by the conversion rule: never typed by hand.
TELEPHONY_FIELDS = ["account", "provider_call_id", "tracker", "pool", "tracking_number", "caller_number", "original_number",
                    "status", "last_sequence_number", "started_at", "answered_at", "ended_at", "duration_seconds",
                    "talk_seconds", "recording_sid", "recording_url", "recording_duration_seconds"]
ATTRIBUTION_FIELDS = ["is_first_time_caller", "visit", "attribution_method", "attribution_confidence", "source", "medium",
                      "campaign", "term", "landing_page", "landing_page_key", "channel", "gclid"]
DERIVED_FIELDS = ["is_conversion", "conversion_value", "created_at"]
# Marked on the call page, in bulk from the calls log and by the API (calls.outcomes.call_mark); shown here.
MARK_FIELDS = ["spam", "score", "caller_city", "caller_region", "caller_country"]


class TestCallForm(forms.Form):
    tracker = forms.ModelChoiceField(queryset=CallTracker.objects.none(), label="Tracking number")
    caller_number = forms.CharField(label="Caller number", initial="+14155550123")
    duration_seconds = forms.IntegerField(label="Talk time (seconds)", min_value=0, max_value=14400, initial=60)
    answered = forms.BooleanField(label="The business answers", required=False, initial=True)

    def __init__(self, *args, account_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        trackers = CallTracker.objects.live().select_related("pool").order_by("pool__name", "tracking_number")
        if account_ids is not None:
            trackers = trackers.filter(pool__account__in=account_ids)
        tracker_field = self.fields["tracker"]
        assert isinstance(tracker_field, forms.ModelChoiceField)
        tracker_field.queryset = trackers
        tracker_field.label_from_instance = (  # type: ignore[method-assign]
            lambda tracker: f"{phone_display(tracker.tracking_number)} — {tracker.pool.name} ({tracker.status})"  # type: ignore[assignment]
        )


class CallResultFilter(admin.SimpleListFilter):
    """The call's result (calls.results): the same words and counts as the dashboard and the API."""

    title = "result"
    parameter_name = "result"

    def lookups(self, request, model_admin):
        return CallResult.choices

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(call_result_q(value)) if value is not None and value in CallResult.values else queryset


def call_search_q(term: str) -> Q:
    term = term.strip()
    found = Q(provider_call_id=term)
    try:
        number = parse_phone(term)
    except ValidationError:
        return found
    return found | Q(caller_number=number) | Q(tracker__tracking_number=number)


@admin.register(Call)
class CallAdmin(ServiceAdmin):
    # Ten cells a row: the provider's raw status is in the filter and on the call's page ("result" says it in a
    # marketer's words), and source and medium share a cell as on the dashboard. Each cell costs the admin about
    # 40 µs a row to build: the two columns this drops were a fifth of the list's time.
    list_display = ["started_at", "caller", "tracking", "result", "duration_seconds", "source_medium",
                    "attribution_method", "is_first_time_caller", "outcome", "is_conversion"]
    list_select_related = ["account"]
    list_filter = ["started_at", CallResultFilter, "status", "attribution_method", "is_first_time_caller", "outcome",
                   "is_conversion", "spam"]
    search_fields = ["provider_call_id", "caller_number", "tracking_number"]  # exact matches: get_search_results
    fieldsets = [
        ("Outcome (set by people; changes are kept in the outcome history)", {"fields": [*OUTCOME_FIELDS]}),
        ("Call", {"fields": [*TELEPHONY_FIELDS]}),
        ("Attribution", {"fields": [*ATTRIBUTION_FIELDS]}),
        ("Conversion", {"fields": [*DERIVED_FIELDS]}),
        ("Spam, score and caller", {"fields": [*MARK_FIELDS]}),
    ]
    readonly_fields = TELEPHONY_FIELDS + ATTRIBUTION_FIELDS + DERIVED_FIELDS + MARK_FIELDS
    # Newest first by id (the primary key's index: no sort of millions of rows). No date_hierarchy: its year links
    # scan the whole table (SELECT DISTINCT date_trunc…); the started_at filter's presets cost no query.
    ordering = ["-id"]
    show_full_result_count = False
    paginator = CheapPaginator
    # 50 rows a page, not Django's 100: the admin builds each cell of a row generically (lookup_field,
    # display_for_field), and 100 rows were most of the page's time.
    list_per_page = 50
    inlines = [CallOutcomeChangeInline, CallEventInline]
    change_list_template = "admin/calls/call/change_list.html"

    def has_add_permission(self, request):
        return False  # calls come from the provider (or the test-call page), never typed by hand

    def get_search_results(self, request, queryset, search_term):
        """Exact matches on indexed columns (a call id, a caller's or a tracking number as typed in any common
        form): a substring search would read every call of a large install."""
        if not search_term.strip():
            return queryset, False
        return queryset.filter(call_search_q(search_term)), False

    def service_save(self, request, form, change):
        """Outcome, value and note go through call_set_outcome (history row, conversion, call.updated webhook)."""
        changes = {field: form.cleaned_data[field] for field in OUTCOME_FIELDS if field in form.changed_data}
        return call_set_outcome(call=form.instance, actor=admin_actor(request), **changes)

    @admin.display(description="Result")
    def result(self, obj):
        return obj.result.label

    @admin.display(description="Caller", ordering="caller_number")
    def caller(self, obj):
        return phone_display(obj.caller_number)

    @admin.display(description="Tracking number", ordering="tracking_number")
    def tracking(self, obj):
        return phone_display(obj.tracking_number)

    @admin.display(description="Source / medium", ordering="source")
    def source_medium(self, obj):
        return obj.source_medium or "Not attributed"

    def get_urls(self):
        extra = [path("test-call/", self.admin_site.admin_view(self.test_call_view), name="calls_call_test_call")]
        return extra + super().get_urls()

    def test_call_view(self, request):
        """Place a sandbox call through the real webhooks (same path as `manage.py simulate_call`)."""
        if not self._is_account_admin(request):
            raise PermissionDenied
        form = TestCallForm(request.POST or None, account_ids=admin_account_ids(request))
        if request.method == "POST" and form.is_valid():
            try:
                call = call_simulate(
                    tracking_number=form.cleaned_data["tracker"].tracking_number,
                    caller_number=form.cleaned_data["caller_number"],
                    duration_seconds=form.cleaned_data["duration_seconds"],
                    answered=form.cleaned_data["answered"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(
                    request, f"Test call {call.provider_call_id}: {call.status}, "
                    f"attribution {call.get_attribution_method_display().lower()}.", messages.SUCCESS,
                )
                return redirect(reverse("admin:calls_call_change", args=[call.pk]))
        return TemplateResponse(request, "admin/calls/call/test_call.html", {
            **self.admin_site.each_context(request), "form": form, "opts": self.model._meta,
            "title": "Place a test call",
        })


@admin.register(ConversionRule)
class ConversionRuleAdmin(ServiceAdmin):
    """One rule per website; a website without one follows the defaults (answered, talk ≥ 30 s, value 0)."""

    account_path = "website__account"
    list_display = ["website", "min_seconds", "first_time_only", "value", "currency", "updated_at"]
    list_select_related = ["website__account"]
    fields = ["website", "min_seconds", "first_time_only", "value", "currency"]
    readonly_fields = ["currency"]

    @admin.display(description="Currency")
    def currency(self, obj):
        return obj.website.account.currency if obj.pk else "the account's currency"

    def get_readonly_fields(self, request, obj=None):
        # A rule belongs to its website for good; change the values, not the website.
        return [*self.readonly_fields, "website"] if obj else self.readonly_fields

    def service_save(self, request, form, change):
        """Through the service, so the website's calls are recomputed under the new rule."""
        rule = form.instance
        return conversion_rule_update(website=rule.website, min_seconds=rule.min_seconds, first_time_only=rule.first_time_only,
                                      value=rule.value, actor=admin_actor(request))

    def save_model(self, request, obj, form, change):
        self.message_user(request, f"{obj.website}: its calls are being recomputed under the new rule.")


@admin.register(Tag)
class TagAdmin(ServiceAdmin):
    list_display = ["name", "color", "account"]
    list_select_related = ["account"]
    list_filter = ["account"]
    search_fields = ["name"]
    fields = ["account", "name", "color"]

    def get_readonly_fields(self, request, obj=None):
        return ["account"] if obj else []

    def service_save(self, request, form, change):
        data = form.cleaned_data
        if change:
            changes = {field: data[field] for field in ("name", "color") if field in form.changed_data}
            return tag_update(tag=Tag.objects.select_related("account").get(pk=form.instance.pk),
                              actor=admin_actor(request), **changes)
        return tag_create(account=data["account"], name=data["name"], color=data["color"], actor=admin_actor(request))

    def delete_model(self, request, obj):
        tag_delete(tag=obj, actor=admin_actor(request))

    def delete_queryset(self, request, queryset):
        for tag in queryset.select_related("account"):
            tag_delete(tag=tag, actor=admin_actor(request))


@admin.register(BlockedNumber)
class BlockedNumberAdmin(ServiceAdmin):
    """The block list: callers (numbers or prefixes such as +1900) rejected busy before any dial, stored as spam."""

    list_display = ["number", "account", "created_at"]
    list_select_related = ["account"]
    list_filter = ["account"]
    search_fields = ["number"]
    fields = ["account", "number"]

    def has_change_permission(self, request, obj=None):
        return False if obj is not None else super().has_change_permission(request, obj)  # remove and add instead

    def service_save(self, request, form, change):
        return blocked_number_add(account=form.cleaned_data["account"], number=form.cleaned_data["number"],
                                  actor=admin_actor(request))

    def delete_model(self, request, obj):
        blocked_number_remove(blocked=obj, actor=admin_actor(request))

    def delete_queryset(self, request, queryset):
        for blocked in queryset.select_related("account"):
            blocked_number_remove(blocked=blocked, actor=admin_actor(request))

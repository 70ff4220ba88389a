from django import forms
from django.contrib import admin, messages

from accounts.admin_scoping import AccountScopedAdmin, ServiceAdmin, admin_actor
from core.admin_actions import run_service_per_object
from core.admin_forms import PhoneFieldsFormMixin
from core.admin_inlines import ReadOnlyInline
from core.admin_paginator import CheapPaginator
from core.phones import phone_display
from trackers.models import CallTracker, ExhaustionEvent, Lease, TrackerStatusChange
from trackers.services import (
    tracker_add,
    tracker_delete,
    tracker_rename,
    tracker_set_call_flow,
    tracker_update,
)

Status = CallTracker.Status


class HistoryInline(ReadOnlyInline):
    model = TrackerStatusChange
    fields = ["created_at", "from_status", "to_status", "source", "medium", "original_number", "actor_label", "reason"]
    ordering = ["-created_at", "-id"]
    verbose_name_plural = "Status history (newest first)"

    def has_delete_permission(self, request, obj=None):
        return False


class TrackerAdminForm(PhoneFieldsFormMixin, forms.ModelForm):
    tracking_number = forms.CharField(help_text="Any form, read in the account's region.")
    phone_fields = ("tracking_number",)
    phone_fields_on_create_only = True  # read-only once the tracker exists

    class Meta:
        model = CallTracker
        fields = ["pool", "tracking_number", "name", "status", "source", "medium", "call_flow"]
        help_texts = {
            "status": "Active: shown on the site now. Flagged (the pool FAQ's word): taken off the site but still "
                      "forwarding, so people who wrote the number down get through; it becomes Available after the "
                      "pool's flag days. Available: bought and forwarding, waiting to be shown.",
            "call_flow": "Empty: the pool's call flow. Otherwise this number's own (same shape as the pool's).",
        }

    def phone_region(self, cleaned):
        pool = cleaned.get("pool")
        return pool.account.default_region if pool else None


class LiveFilter(admin.SimpleListFilter):
    title = "number"
    parameter_name = "number"

    def lookups(self, request, model_admin):
        return [("live", "Live"), ("released", "Released")]

    def queryset(self, request, queryset):
        if self.value() == "released":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "live":
            return queryset.filter(deleted_at__isnull=True)
        return queryset


@admin.register(CallTracker)
class CallTrackerAdmin(ServiceAdmin):
    account_path = "pool__account"
    form = TrackerAdminForm
    list_display = ["number", "name", "pool", "status", "source", "medium", "forwards_to", "flagged_at", "deleted_at"]
    list_select_related = ["pool"]
    list_filter = ["status", LiveFilter, "pool__kind", "pool"]
    search_fields = ["tracking_number", "name", "source", "medium"]
    raw_id_fields = []
    inlines = [HistoryInline]
    actions = ["make_active", "make_flagged", "make_available", "delete_trackers"]

    @admin.display(description="Tracking number", ordering="tracking_number")
    def number(self, obj):
        return phone_display(obj.tracking_number)

    @admin.display(description="Forwards to")
    def forwards_to(self, obj):
        return phone_display(obj.original_number or obj.pool.original_number)

    def get_readonly_fields(self, request, obj=None):
        fields = ["original_number", "flagged_at", "activated_at", "provider", "provider_number_id", "deleted_at"]
        if obj is None:
            return fields
        fields = ["pool", "tracking_number", *fields]
        refused = not obj.pool.is_manual or obj.pool.is_retired or obj.deleted_at
        if refused and not self._posts_assignment(request):
            # Shown read-only where tracker_update would refuse (it enforces the rule for every face). A form
            # that posts them anyway (opened before the pool was automated or retired, or the tracker deleted)
            # keeps them editable, so the service's refusal is the form's error, not a silent "changed".
            fields += ["status", "source", "medium"]
        return fields

    @staticmethod
    def _posts_assignment(request) -> bool:
        return request.method == "POST" and any(field in request.POST for field in ("status", "source", "medium"))

    def get_fields(self, request, obj=None):
        base = ["pool", "tracking_number", "name", "status", "source", "medium", "call_flow"]
        return base if obj is None else base + ["original_number", "flagged_at", "activated_at", "provider", "provider_number_id", "deleted_at"]

    def service_save(self, request, form, change):
        data, actor = form.cleaned_data, admin_actor(request)
        if not change:
            created = tracker_add(
                pool=data["pool"], tracking_number=data["tracking_number"], status=data["status"],
                source=data.get("source", ""), medium=data.get("medium", ""), actor=actor, reason="added by hand",
            )
            if data.get("name"):
                tracker_rename(tracker=created, name=data["name"], actor=actor)
            if data.get("call_flow") is not None:
                created = tracker_set_call_flow(tracker=created, call_flow=data["call_flow"], actor=actor)
            return created
        tracker = CallTracker.objects.select_related("pool").get(pk=form.instance.pk)
        changed = set(form.changed_data)
        if changed & {"status", "source", "medium"}:
            # First, so a refusal (automated or retired pool) leaves the name unchanged too.
            tracker = tracker_update(
                tracker=tracker, status=data["status"] if "status" in changed else None,
                source=data.get("source", ""), medium=data.get("medium", ""), actor=actor, reason="changed by hand",
            )
        if "name" in changed:
            tracker_rename(tracker=tracker, name=data.get("name", ""), actor=actor)
        if "call_flow" in changed:
            tracker = tracker_set_call_flow(tracker=tracker, call_flow=data.get("call_flow"), actor=actor)
        return tracker

    def delete_model(self, request, obj):
        tracker_delete(tracker=obj, actor=admin_actor(request), reason="deleted by hand")

    def delete_queryset(self, request, queryset):
        for tracker in queryset.select_related("pool__account"):
            tracker_delete(tracker=tracker, actor=admin_actor(request), reason="deleted by hand")

    def _bulk_status(self, request, queryset, status: str, verb: str):
        trackers = queryset.select_related("pool").exclude(status=status)
        run_service_per_object(
            self, request, trackers,
            lambda tracker: tracker_update(tracker=tracker, status=status, actor=admin_actor(request),
                                           reason=f"{verb} by hand"),
            done=f"{{total}} trackers {verb}.",
        )

    @admin.action(description="Activate selected trackers (manual pools)")
    def make_active(self, request, queryset):
        self._bulk_status(request, queryset, Status.ACTIVE, "activated")

    @admin.action(description="Flag selected trackers (manual pools)")
    def make_flagged(self, request, queryset):
        self._bulk_status(request, queryset, Status.FLAGGED, "flagged")

    @admin.action(description="Make selected trackers available (manual pools)")
    def make_available(self, request, queryset):
        self._bulk_status(request, queryset, Status.AVAILABLE, "made available")

    @admin.action(description="Delete selected trackers and release their numbers")
    def delete_trackers(self, request, queryset):
        live = queryset.filter(deleted_at__isnull=True)
        count = live.count()
        self.delete_queryset(request, live)
        self.message_user(request, f"{count} trackers deleted; their numbers are released.", messages.SUCCESS)

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Lease)
class LeaseAdmin(AccountScopedAdmin):
    account_path = "visit__website__account"
    list_display = ["tracker", "visit", "started_at", "expires_at", "ended_at", "is_shared"]
    list_select_related = ["tracker", "visit"]
    raw_id_fields = ["tracker", "visit"]
    show_full_result_count = False
    paginator = CheapPaginator


@admin.register(ExhaustionEvent)
class ExhaustionEventAdmin(AccountScopedAdmin):
    account_path = "pool__account"
    list_display = ["pool", "occurred_at", "is_shared", "visit"]
    list_select_related = ["pool", "visit"]
    list_filter = ["is_shared"]
    raw_id_fields = ["pool", "visit"]
    show_full_result_count = False
    paginator = CheapPaginator

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from accounts.admin_scoping import AccountScopedAdmin, AccountScopedInline
from core.admin_paginator import CheapPaginator
from core.errors import DomainError
from core.phones import parse_phone, phone_display
from trackers.models import CallTracker, ExhaustionEvent, Lease, TrackerStatusChange
from trackers.services import (
    tracker_add,
    tracker_delete,
    tracker_set_assignment,
    tracker_set_status,
)

Status = CallTracker.Status


class HistoryInline(AccountScopedInline, admin.TabularInline):
    model = TrackerStatusChange
    fields = ["created_at", "from_status", "to_status", "source", "medium", "original_number", "actor_label", "reason"]
    readonly_fields = fields
    extra = 0
    ordering = ["-created_at", "-id"]
    verbose_name_plural = "Status history (newest first)"

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class TrackerAdminForm(forms.ModelForm):
    tracking_number = forms.CharField(help_text="Any form, read in the account's region.")

    class Meta:
        model = CallTracker
        fields = ["pool", "tracking_number", "status", "source", "medium"]

    def clean(self):
        cleaned = super().clean()
        pool = cleaned.get("pool")
        raw = cleaned.get("tracking_number")
        if pool and raw and not self.instance.pk:
            try:
                cleaned["tracking_number"] = parse_phone(raw, pool.account.default_region)
            except ValidationError as exc:
                self.add_error("tracking_number", exc)
        return cleaned

    def _post_clean(self):
        if "tracking_number" in self.cleaned_data:
            self.instance.tracking_number = self.cleaned_data["tracking_number"]
        super()._post_clean()


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
class CallTrackerAdmin(AccountScopedAdmin):
    account_path = "pool__account"
    form = TrackerAdminForm
    list_display = ["number", "pool", "status", "source", "medium", "forwards_to", "flagged_at", "deleted_at"]
    list_select_related = ["pool"]
    list_filter = ["status", LiveFilter, "pool__kind", "pool"]
    search_fields = ["tracking_number", "source", "medium"]
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
        if obj.pool.kind != "manual" or obj.deleted_at:
            # The rules engine owns automated pools' life cycle.
            fields += ["status", "source", "medium"]
        return fields

    def get_fields(self, request, obj=None):
        base = ["pool", "tracking_number", "status", "source", "medium"]
        return base if obj is None else base + ["original_number", "flagged_at", "activated_at", "provider", "provider_number_id", "deleted_at"]

    def save_model(self, request, obj, form, change):
        try:
            self._save_through_services(request, obj, form, change)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)

    def _save_through_services(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = tracker_add(
                pool=data["pool"], tracking_number=data["tracking_number"], status=data["status"],
                source=data.get("source", ""), medium=data.get("medium", ""), actor=request.user,
                actor_label="admin", reason="added by hand",
            )
            obj.pk = created.pk
            return
        current = CallTracker.objects.get(pk=obj.pk)
        if "status" in form.changed_data:
            tracker_set_status(
                tracker=current, status=data["status"], source=data.get("source", ""), medium=data.get("medium", ""),
                actor=request.user, actor_label="admin", reason="changed by hand",
            )
        elif {"source", "medium"} & set(form.changed_data):
            tracker_set_assignment(
                tracker=current, source=data.get("source", ""), medium=data.get("medium", ""),
                actor=request.user, actor_label="admin", reason="source/medium changed by hand",
            )

    def delete_model(self, request, obj):
        tracker_delete(tracker=obj, actor=request.user, actor_label="admin", reason="deleted by hand")

    def delete_queryset(self, request, queryset):
        for tracker in queryset.select_related("pool__account"):
            tracker_delete(tracker=tracker, actor=request.user, actor_label="admin", reason="deleted by hand")

    def _bulk_status(self, request, queryset, status: str, verb: str):
        done, skipped = 0, 0
        for tracker in queryset.select_related("pool"):
            if tracker.pool.kind != "manual" or tracker.deleted_at or tracker.status == status:
                skipped += 1
                continue
            try:
                tracker_set_status(tracker=tracker, status=status, actor=request.user, actor_label="admin", reason=f"{verb} by hand")
                done += 1
            except DomainError as exc:
                self.message_user(request, f"{tracker}: {exc.message}", messages.ERROR)
        self.message_user(request, f"{done} trackers {verb}.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request, f"{skipped} skipped (already {status}, released, or in an automated pool, whose rules engine owns them).",
                messages.WARNING,
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

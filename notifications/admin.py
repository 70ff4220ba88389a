"""The admin shows what was sent (read-only); people change their own choices and schedules in the dashboard."""

from django.contrib import admin

from accounts.admin_scoping import AccountScopedAdmin
from core.admin import ViewOnlyAdminMixin
from notifications.models import Notification, ScheduledReport


@admin.register(Notification)
class NotificationAdmin(ViewOnlyAdminMixin, AccountScopedAdmin):
    list_display = ["kind", "channel", "target", "status", "attempts", "last_error", "created_at", "sent_at"]
    list_filter = ["status", "kind", "channel"]
    search_fields = ["target"]
    readonly_fields = ["account", "user", "kind", "channel", "target", "key", "payload", "status", "attempts",
                       "next_attempt_at", "last_error", "created_at", "sent_at"]
    show_full_result_count = False


@admin.register(ScheduledReport)
class ScheduledReportAdmin(ViewOnlyAdminMixin, AccountScopedAdmin):
    list_display = ["name", "dimension", "website", "frequency", "created_by", "created_at"]
    list_filter = ["frequency"]
    list_select_related = ["website", "created_by"]
    readonly_fields = ["account", "created_by", "name", "dimension", "website", "frequency", "recipients", "created_at"]

from django.contrib import admin

from accounts.admin_scoping import AccountScopedAdmin
from calls.models import Call
from core.admin_paginator import CheapPaginator
from core.phones import phone_display


@admin.register(Call)
class CallAdmin(AccountScopedAdmin):
    list_display = ["started_at", "caller", "tracking", "status", "duration_seconds", "source", "medium", "attribution_method", "is_first_time_caller"]
    list_select_related = ["account"]
    list_filter = ["status", "attribution_method", "is_first_time_caller"]
    search_fields = ["provider_call_id", "caller_number", "tracking_number"]
    raw_id_fields = ["tracker", "pool", "visit"]
    date_hierarchy = "started_at"
    show_full_result_count = False
    paginator = CheapPaginator

    @admin.display(description="Caller", ordering="caller_number")
    def caller(self, obj):
        return phone_display(obj.caller_number)

    @admin.display(description="Tracking number", ordering="tracking_number")
    def tracking(self, obj):
        return phone_display(obj.tracking_number)

from django.contrib import admin

from accounts.admin_scoping import AccountScopedAdmin
from attribution.models import Visit, Visitor
from core.admin_paginator import CheapPaginator


@admin.register(Visitor)
class VisitorAdmin(AccountScopedAdmin):
    account_path = "website__account"
    list_display = ["uid", "website", "first_source", "first_medium", "first_seen_at", "last_seen_at"]
    list_select_related = ["website"]
    search_fields = ["uid"]
    show_full_result_count = False
    paginator = CheapPaginator


@admin.register(Visit)
class VisitAdmin(AccountScopedAdmin):
    account_path = "website__account"
    list_display = ["session_uid", "website", "source", "medium", "campaign", "term", "landing_page", "started_at"]
    list_select_related = ["website"]
    list_filter = ["medium", "is_bot"]
    search_fields = ["session_uid", "gclid", "source", "campaign"]
    raw_id_fields = ["visitor"]
    date_hierarchy = "started_at"
    show_full_result_count = False
    paginator = CheapPaginator

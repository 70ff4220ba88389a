from django.contrib import admin

from accounts.admin_scoping import AccountScopedAdmin
from accounts.models import Website
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
    # No filter or hierarchy that reads every visit (a "medium" filter lists DISTINCT values; date_hierarchy's years
    # too); newest first by id (the primary key's index).
    list_filter = ["started_at", "is_bot"]
    search_fields = ["session_uid"]  # exact: get_search_results
    raw_id_fields = ["visitor"]
    ordering = ["-id"]

    def get_search_results(self, request, queryset, search_term):
        """A session id, exactly: probes the (website, session_uid) unique index once per website instead of
        reading every visit."""
        term = search_term.strip()
        if not term:
            return queryset, False
        return queryset.filter(session_uid=term, website__in=Website.objects.values("id")), False
    show_full_result_count = False
    paginator = CheapPaginator
    list_per_page = 50  # like the calls' admin: the generic row rendering is the page's cost

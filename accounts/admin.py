from django.contrib import admin

from accounts.admin_scoping import AccountScopedAdmin, admin_account_ids
from accounts.models import Account, Membership, Website


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Account)
class AccountAdmin(AccountScopedAdmin):
    account_path = "id"
    list_display = ["name", "default_region", "timezone", "currency", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        ids = admin_account_ids(request)
        return queryset if ids is None else queryset.filter(pk__in=ids)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Website)
class WebsiteAdmin(AccountScopedAdmin):
    list_display = ["name", "account", "key", "domain_list", "snippet_seen_at"]
    list_select_related = ["account"]
    list_filter = ["account"]
    search_fields = ["name", "key"]
    readonly_fields = ["snippet_seen_at", "snippet_seen_origin", "created_at"]

    @admin.display(description="Domains")
    def domain_list(self, obj):
        return ", ".join(obj.domains)

from django.contrib import admin, messages

from accounts.admin_scoping import AccountScopedAdmin
from api.models import ApiToken
from api.services import api_token_create, api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(AccountScopedAdmin):
    list_display = ["key_hint", "name", "account", "scope", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    list_select_related = ["account"]
    search_fields = ["name", "key_hint"]
    fields = ["account", "name", "scope", "key_hint", "created_by", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hint", "created_by", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "account", "scope"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        token, key = api_token_create(account=obj.account, scope=obj.scope, name=obj.name, actor=request.user)
        obj.pk = token.pk
        obj.key_hint, obj.key_hash = token.key_hint, token.key_hash
        messages.warning(request, f"API key (copy it now; it is not shown again): {key}")

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)
        self.message_user(request, f"{queryset.count()} tokens revoked")

from django.contrib import admin, messages

from accounts.admin_scoping import ServiceAdmin, admin_actor
from api.models import ApiToken
from api.services import api_token_create, api_token_rename, api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(ServiceAdmin):
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

    def service_save(self, request, form, change):
        token = form.instance
        if change:
            return api_token_rename(token=ApiToken.objects.get(pk=token.pk), name=token.name, actor=admin_actor(request))
        created, key = api_token_create(account=token.account, scope=token.scope, name=token.name, actor=admin_actor(request))
        created.key_once = key  # type: ignore[attr-defined]  # shown by save_model, never stored
        return created

    def save_model(self, request, obj, form, change):
        if not change:
            messages.warning(request, f"API key (copy it now; it is not shown again): {obj.key_once}")

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token, actor=admin_actor(request))
        self.message_user(request, f"{queryset.count()} tokens revoked")

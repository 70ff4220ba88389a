from datetime import timedelta

from django.contrib import admin, messages
from django.utils import timezone

from accounts.admin_scoping import AccountScopedAdmin, ServiceAdmin, admin_actor
from automation.models import AutomationRule, RuleApplyJob, RuleEffect
from automation.services import rule_apply_start, rule_create, rule_delete, rule_update
from core.admin import ViewOnlyAdminMixin
from core.errors import DomainError

RULE_FIELDS = ["name", "enabled", "position", "conditions", "actions", "business_hours"]


@admin.register(AutomationRule)
class AutomationRuleAdmin(ServiceAdmin):
    """Rules are checked and saved by the same service as the API and the dashboard (automation.services)."""

    list_display = ["position", "name", "enabled", "account", "updated_at"]
    list_display_links = ["name"]
    list_select_related = ["account"]
    list_filter = ["account", "enabled"]
    search_fields = ["name"]
    ordering = ["account", "position", "id"]
    fields = ["account", *RULE_FIELDS]
    actions = ["apply_last_30_days"]

    def get_readonly_fields(self, request, obj=None):
        return ["account"] if obj else []

    def service_save(self, request, form, change):
        data = form.cleaned_data
        if change:
            rule = AutomationRule.objects.select_related("account").get(pk=form.instance.pk)
            changes = {field: data[field] for field in RULE_FIELDS if field in form.changed_data}
            return rule_update(rule=rule, actor=admin_actor(request), **changes)
        return rule_create(account=data["account"], name=data["name"], enabled=data["enabled"],
                           conditions=data["conditions"], actions=data["actions"],
                           business_hours=data["business_hours"], position=data["position"], actor=admin_actor(request))

    def delete_model(self, request, obj):
        rule_delete(rule=obj, actor=admin_actor(request))

    def delete_queryset(self, request, queryset):
        for rule in queryset.select_related("account"):
            rule_delete(rule=rule, actor=admin_actor(request))

    @admin.action(description="Apply to the last 30 days' calls")
    def apply_last_30_days(self, request, queryset):
        today = timezone.localdate()
        started = 0
        for rule in queryset.select_related("account"):
            try:
                rule_apply_start(rule=rule, start=today - timedelta(days=29), end=today, actor=admin_actor(request))
            except DomainError as exc:
                self.message_user(request, f"{rule.name}: {exc.message}", messages.ERROR)
            else:
                started += 1
        self.message_user(request, f"{started} rule{'s' if started != 1 else ''} being applied to past calls "
                          "(progress under Rule apply jobs).")


@admin.register(RuleApplyJob)
class RuleApplyJobAdmin(ViewOnlyAdminMixin, AccountScopedAdmin):
    list_display = ["created_at", "rule", "start_date", "end_date", "status", "processed", "total", "matched", "changed",
                    "actor_label"]
    list_select_related = ["rule", "account"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in RuleApplyJob._meta.fields]


@admin.register(RuleEffect)
class RuleEffectAdmin(ViewOnlyAdminMixin, AccountScopedAdmin):
    """The trace: what each rule did to each call (read-only)."""

    account_path = "call__account"
    list_display = ["created_at", "call", "rule_name", "action_type", "value", "status", "reason"]
    list_select_related = ["call"]
    list_filter = ["status", "action_type"]
    search_fields = ["rule_name", "call__provider_call_id"]
    raw_id_fields = ["call", "run", "rule"]
    readonly_fields = [field.name for field in RuleEffect._meta.fields]
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False

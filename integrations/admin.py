from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from accounts.admin_scoping import AccountScopedAdmin, ServiceAdmin, admin_actor
from core.admin import ViewOnlyAdminMixin
from core.admin_actions import run_service_per_object
from core.admin_inlines import ReadOnlyInline
from core.errors import DomainError
from integrations import ad_platforms
from integrations.ad_services import ad_connection_disconnect, ad_connection_save
from integrations.models import (
    AdConversionUpload,
    AdPlatform,
    AdPlatformConnection,
    GA4Delivery,
    GA4Settings,
    GoogleAdsSettings,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from integrations.services import (
    ga4_settings_save,
    ga4_test_connection,
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
    webhook_replay,
    webhook_send_test,
)


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["account", "url", "description", "event_types", "is_enabled"]



@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ServiceAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "account", "events", "masked_secret", "is_enabled", "disabled_notice", "consecutive_failures"]
    list_filter = ["is_enabled"]
    list_select_related = ["account"]
    search_fields = ["url"]
    readonly_fields = ["masked_secret", "disabled_reason", "disabled_at", "consecutive_failures", "created_at"]
    actions = ["send_test", "rotate_secret", "enable", "disable"]

    @admin.display(description="events")
    def events(self, obj):
        return ", ".join(obj.event_types)

    @admin.display(description="notice")
    def disabled_notice(self, obj):
        if obj.is_enabled:
            return ""
        return format_html('<strong style="color:#b00">Disabled:</strong> {}', obj.disabled_reason)

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "account"] if obj else self.readonly_fields

    def service_save(self, request, form, change):
        """Through the services (the URL guard, the audit row); the form only reads the input."""
        data, actor = form.cleaned_data, admin_actor(request)
        if change:
            changes = {field: data[field] for field in ["url", "description", "event_types", "is_enabled"]
                       if field in form.changed_data}
            return webhook_endpoint_update(endpoint=WebhookEndpoint.objects.get(pk=form.instance.pk), actor=actor, **changes)
        return webhook_endpoint_create(account=data["account"], url=data["url"], event_types=data["event_types"],
                                       description=data.get("description", ""), is_enabled=data.get("is_enabled", True),
                                       actor=actor)

    def save_model(self, request, obj, form, change):
        if not change:
            messages.warning(request, f"Signing secret (copy it now; it is shown masked from now on): {obj.secret}")

    @admin.action(description="Send a test message")
    def send_test(self, request, queryset):
        run_service_per_object(self, request, queryset, lambda endpoint: webhook_send_test(endpoint=endpoint),
                               done="{total} test messages queued")

    @admin.action(description="Rotate the signing secret (old one signs for 24 h more)")
    def rotate_secret(self, request, queryset):
        for endpoint in queryset:
            secret = webhook_endpoint_rotate_secret(endpoint=endpoint, actor=admin_actor(request))
            self.message_user(request, f"{endpoint}: new secret (shown once): {secret}", messages.WARNING)

    @admin.action(description="Enable (and reset failures)")
    def enable(self, request, queryset):
        for endpoint in queryset:
            webhook_endpoint_enable(endpoint=endpoint, actor=admin_actor(request))
        self.message_user(request, f"{queryset.count()} endpoints enabled")

    @admin.action(description="Disable")
    def disable(self, request, queryset):
        count = sum(webhook_endpoint_disable(endpoint=endpoint, reason=f"Disabled by {request.user}.", actor=admin_actor(request))
                    for endpoint in queryset)
        self.message_user(request, f"{count} endpoints disabled")


class WebhookAttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ["attempted_at", "status_code", "error", "duration_ms", "is_replay", "response_body"]
    ordering = ["-attempted_at", "-id"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(AccountScopedAdmin):
    account_path = "endpoint__account"
    list_display = ["msg_id", "event_type", "endpoint", "status", "attempts", "last_status_code", "next_attempt_at", "created_at"]
    list_filter = ["status", "event_type"]
    list_select_related = ["endpoint"]
    search_fields = ["msg_id", "endpoint__url"]
    raw_id_fields = ["endpoint"]
    readonly_fields = ["endpoint", "msg_id", "event_type", "payload", "status", "attempts", "next_attempt_at",
                       "last_status_code", "last_error", "created_at", "succeeded_at"]
    inlines = [WebhookAttemptInline]
    actions = ["replay"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.action(description="Replay (same webhook-id)")
    def replay(self, request, queryset):
        run_service_per_object(self, request, queryset.select_related("endpoint"),
                               lambda delivery: webhook_replay(delivery=delivery), done="{total} messages queued for replay")


class GA4SettingsForm(forms.ModelForm):
    """The API secret is write-only: stored encrypted, shown back as its last four characters only."""

    new_api_secret = forms.CharField(
        label="API secret", required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="GA4 → Admin → Data streams → Measurement Protocol API secrets. Leave empty to keep the stored one.",
    )

    class Meta:
        model = GA4Settings
        fields = ["website", "measurement_id", "is_enabled", "event_name"]


@admin.register(GA4Settings)
class GA4SettingsAdmin(ServiceAdmin):
    """Saved by ga4_settings_save (audited; Google's rules and a missing secret are the form's errors)."""

    account_path = "website__account"
    form = GA4SettingsForm
    list_display = ["website", "measurement_id", "is_enabled", "event_name", "api_secret_hint"]
    list_select_related = ["website"]
    list_filter = ["is_enabled"]
    fields = ["website", "measurement_id", "is_enabled", "event_name", "api_secret_hint", "new_api_secret"]
    actions = ["test_connection"]

    def get_readonly_fields(self, request, obj=None):
        return ["api_secret_hint", "website"] if obj else ["api_secret_hint"]

    def service_save(self, request, form, change):
        data = form.cleaned_data
        website = GA4Settings.objects.get(pk=form.instance.pk).website if change else data["website"]
        return ga4_settings_save(
            website=website, measurement_id=data["measurement_id"], event_name=data["event_name"],
            is_enabled=data["is_enabled"], api_secret=data.get("new_api_secret") or None, actor=admin_actor(request),
        )

    @admin.display(description="Stored API secret")
    def api_secret_hint(self, obj):
        return obj.api_secret_hint or "—"

    @admin.action(description="Test connection (GA4 validation server)")
    def test_connection(self, request, queryset):
        for ga4 in queryset:
            try:
                problems = ga4_test_connection(ga4=ga4)
            except DomainError as exc:
                self.message_user(request, f"{ga4}: {exc.message}", messages.ERROR)
                continue
            if problems:
                self.message_user(request, f"{ga4}: GA4 reports: {'; '.join(problems)}", messages.ERROR)
            else:
                self.message_user(request, f"{ga4}: the event is valid")


@admin.register(GA4Delivery)
class GA4DeliveryAdmin(AccountScopedAdmin):
    list_display = ["call", "website", "status", "response_status", "attempts", "reason", "created_at", "sent_at"]
    list_filter = ["status"]
    list_select_related = ["website"]
    raw_id_fields = ["call", "website", "account"]
    readonly_fields = ["account", "website", "call", "status", "reason", "payload", "attempts", "response_status",
                       "created_at", "sent_at"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False


@admin.register(GoogleAdsSettings)
class GoogleAdsSettingsAdmin(AccountScopedAdmin):
    list_display = ["account", "conversion_name", "feed_path"]
    list_select_related = ["account"]
    readonly_fields = ["feed_path", "conversions"]

    @admin.display(description="which calls are exported")
    def conversions(self, obj):
        return ("Converting calls with a Google click id from the last 90 days, with their value in the account's "
                "currency. Which calls convert is each website's conversion rule (Calls → Conversion rules) "
                "and the outcome marketers set on calls.")

    @admin.display(description="scheduled import URL path")
    def feed_path(self, obj):
        return f"/integrations/google-ads/{obj.feed_token}.csv" if obj.pk else "(saved first)"


class AdPlatformConnectionForm(forms.ModelForm):
    """The token is write-only and only for Meta (a Conversions API access token): Google Ads and Microsoft
    Advertising are connected by signing in on the integrations page (OAuth), never by a typed token."""

    new_token = forms.CharField(
        label="Meta access token", required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Meta only (Events Manager → the dataset → Settings → Conversions API). Leave empty to keep the "
                  "stored one. Google Ads and Microsoft Advertising are connected from the integrations page.")

    class Meta:
        model = AdPlatformConnection
        fields = ["account", "platform", "customer_id", "manager_id", "conversion", "is_enabled"]

    def clean(self):
        data = super().clean() or {}
        platform = data.get("platform") or getattr(self.instance, "platform", "")
        if data.get("new_token") and platform in ad_platforms.OAUTH_PLATFORMS:
            self.add_error("new_token", f"{AdPlatform(platform).label} is connected by signing in on the integrations "
                                        "page, not with a typed token.")
        return data


@admin.register(AdPlatformConnection)
class AdPlatformConnectionAdmin(ServiceAdmin):
    """Saved by ad_connection_save (the platform's id rules, audited, the token encrypted); the token is shown masked.
    Removing a connection is the "Disconnect" action (it revokes the token where the platform can), not a delete."""

    form = AdPlatformConnectionForm
    list_display = ["account", "platform", "customer_id", "conversion", "is_enabled", "ready", "token_hint_shown",
                    "last_result_at", "last_result"]
    list_select_related = ["account"]
    list_filter = ["platform", "is_enabled"]
    search_fields = ["customer_id", "conversion"]
    fields = ["account", "platform", "customer_id", "manager_id", "conversion", "is_enabled", "token_hint_shown",
              "new_token", "connected_by", "last_result", "last_result_at", "last_success_at", "recent_uploads",
              "created_at"]
    actions = ["disconnect"]

    def get_readonly_fields(self, request, obj=None):
        shown = ["token_hint_shown", "connected_by", "last_result", "last_result_at", "last_success_at",
                 "recent_uploads", "created_at"]
        return [*shown, "account", "platform"] if obj else shown

    def has_delete_permission(self, request, obj=None):
        return False

    def service_save(self, request, form, change):
        data = form.cleaned_data
        instance = AdPlatformConnection.objects.get(pk=form.instance.pk) if change else None
        return ad_connection_save(
            account=instance.account if instance else data["account"],
            platform=instance.platform if instance else data["platform"],
            token=data.get("new_token") or None, customer_id=data.get("customer_id", ""),
            manager_id=data.get("manager_id", ""), conversion=data.get("conversion", ""),
            is_enabled=data.get("is_enabled", False), actor=admin_actor(request))

    @admin.display(description="ready", boolean=True)
    def ready(self, obj):
        return obj.is_ready

    @admin.display(description="stored token")
    def token_hint_shown(self, obj):
        return obj.token_hint or "—"

    @admin.display(description="recent uploads (newest first)")
    def recent_uploads(self, obj):
        if obj is None or not obj.pk:
            return "—"
        uploads = AdConversionUpload.objects.filter(account_id=obj.account_id, platform=obj.platform)[:20]
        rows = format_html_join("", "<li>call {}: {} after {} attempt(s){}</li>", (
            (upload.call_id, upload.get_status_display(), upload.attempts, f" — {upload.error}" if upload.error else "")
            for upload in uploads))
        return format_html("<ul>{}</ul>", rows) if uploads else "—"

    @admin.action(description="Disconnect (revokes the token where the platform can)")
    def disconnect(self, request, queryset):
        run_service_per_object(self, request, queryset.select_related("account"),
                               lambda connection: ad_connection_disconnect(connection=connection,
                                                                           actor=admin_actor(request)),
                               done="{total} connections disconnected")


@admin.register(AdConversionUpload)
class AdConversionUploadAdmin(ViewOnlyAdminMixin, AccountScopedAdmin):
    """The upload log: one row per converting call and platform, what the platform answered and its errors for that
    call (read-only: the outbox sends and retries them)."""

    list_display = ["call", "platform", "status", "attempts", "response_status", "error", "next_attempt_at",
                    "created_at", "sent_at"]
    list_filter = ["platform", "status"]
    list_select_related = ["call"]
    search_fields = ["call__provider_call_id", "error"]
    readonly_fields = [field.name for field in AdConversionUpload._meta.fields]
    show_full_result_count = False

    def has_delete_permission(self, request, obj=None):
        return False

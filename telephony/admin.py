from django import forms
from django.contrib import admin

from accounts.admin_scoping import ServiceAdmin, admin_actor
from telephony.models import TelephonySettings
from telephony.services import telephony_settings_save


class TelephonySettingsForm(forms.ModelForm):
    """The auth token is write-only: it is stored encrypted and only its last four characters are shown."""

    auth_token = forms.CharField(
        label="Twilio auth token", required=False, strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Leave empty to keep the stored token. Empty everywhere: the environment's TWILIO_AUTH_TOKEN applies.",
    )
    clear_auth_token = forms.BooleanField(label="Remove the stored token", required=False)

    class Meta:
        model = TelephonySettings
        fields = ["account", "provider", "twilio_account_sid"]


@admin.register(TelephonySettings)
class TelephonySettingsAdmin(ServiceAdmin):
    """Saved by telephony_settings_save (audited; Twilio without credentials is refused as the form's error)."""

    form = TelephonySettingsForm
    list_display = ["account", "provider", "twilio_account_sid", "auth_token_hint", "updated_at"]
    list_select_related = ["account"]
    list_filter = ["provider"]
    fields = ["account", "provider", "twilio_account_sid", "auth_token_hint", "auth_token", "clear_auth_token"]

    def get_readonly_fields(self, request, obj=None):
        return ["auth_token_hint", "account"] if obj else ["auth_token_hint"]

    def service_save(self, request, form, change):
        data = form.cleaned_data
        account = TelephonySettings.objects.get(pk=form.instance.pk).account if change else data["account"]
        return telephony_settings_save(
            account=account, provider=data["provider"], twilio_account_sid=data.get("twilio_account_sid", ""),
            auth_token=data.get("auth_token") or None, clear_auth_token=bool(data.get("clear_auth_token")),
            actor=admin_actor(request),
        )

    @admin.display(description="Stored auth token")
    def auth_token_hint(self, obj):
        return obj.twilio_auth_token_hint or "—"

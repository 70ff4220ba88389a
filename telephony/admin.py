from django import forms
from django.contrib import admin

from accounts.admin_scoping import AccountScopedAdmin
from telephony.credentials import twilio_credentials
from telephony.models import Provider, TelephonySettings


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

    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None  # ModelForm.clean() returns cleaned_data
        instance = self.instance
        token = cleaned.get("auth_token")
        if cleaned.get("clear_auth_token"):
            instance.twilio_auth_token = ""
        elif token:
            instance.set_twilio_auth_token(token)
        instance.twilio_account_sid = cleaned.get("twilio_account_sid", "")
        if cleaned.get("provider") == Provider.TWILIO and not twilio_credentials(instance).is_complete:
            raise forms.ValidationError(
                "Twilio needs an account SID and an auth token, here or in the environment "
                "(TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN)."
            )
        return cleaned


@admin.register(TelephonySettings)
class TelephonySettingsAdmin(AccountScopedAdmin):
    form = TelephonySettingsForm
    list_display = ["account", "provider", "twilio_account_sid", "auth_token_hint", "updated_at"]
    list_select_related = ["account"]
    list_filter = ["provider"]
    readonly_fields = ["auth_token_hint"]
    fields = ["account", "provider", "twilio_account_sid", "auth_token_hint", "auth_token", "clear_auth_token"]

    @admin.display(description="Stored auth token")
    def auth_token_hint(self, obj):
        return obj.twilio_auth_token_hint or "—"

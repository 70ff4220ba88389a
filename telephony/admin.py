import base64
import binascii

from django import forms
from django.contrib import admin

from accounts.admin_scoping import ServiceAdmin, admin_actor
from telephony.credentials import space_host
from telephony.models import TelephonySettings
from telephony.services import PLAIN_SETTINGS, telephony_settings_save

# Write-only secret form fields → (model field, label, help). Empty keeps the stored value; "clear_<field>" removes it.
# They are named apart from the model fields: the admin builds its form from the fieldsets, and a form field named
# like a model field would be saved into it as typed (in the clear).
SECRET_INPUTS = {
    "auth_token": ("twilio_auth_token", "Twilio auth token",
                   "Leave empty to keep the stored token. Empty everywhere: the environment's TWILIO_AUTH_TOKEN applies."),
    "new_twilio_webhook_key": ("twilio_webhook_key", "Twilio webhook SharedKey secret",
                           "Optional: the secret of a Twilio Webhook Setting (HMAC-SHA256). When set, webhooks signed "
                           "with it are accepted besides the classic auth-token signature."),
    "new_signalwire_api_token": ("signalwire_api_token", "SignalWire API token", "Leave empty to keep the stored token."),
    "new_signalwire_signing_key": ("signalwire_signing_key", "SignalWire signing key",
                               "The project's Signing Key (API credentials page): it signs every webhook."),
    "new_telnyx_api_key": ("telnyx_api_key", "Telnyx API key", "Leave empty to keep the stored key."),
}


def _secret_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(label=label, required=False, strip=True, help_text=help_text,
                           widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))


def public_key_problem(value: str) -> str | None:
    """Why a Telnyx public key can't verify anything (None when it is 32 base64-encoded bytes)."""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "This is not base64."
    return None if len(raw) == 32 else "An Ed25519 public key is 32 bytes (44 base64 characters)."


PLAIN_FIELDS = list(PLAIN_SETTINGS)  # the service's plain (not secret) settings


class TelephonySettingsForm(forms.ModelForm):
    """Secrets are write-only: stored encrypted and only their last four characters are shown. The chosen provider's
    credentials must be complete, so a saved account can always buy numbers and verify its webhooks."""

    auth_token = _secret_field(*SECRET_INPUTS["auth_token"][1:])
    clear_auth_token = forms.BooleanField(label="Remove the stored token", required=False)
    new_twilio_webhook_key = _secret_field(*SECRET_INPUTS["new_twilio_webhook_key"][1:])
    clear_new_twilio_webhook_key = forms.BooleanField(label="Remove the stored SharedKey secret", required=False)
    new_signalwire_api_token = _secret_field(*SECRET_INPUTS["new_signalwire_api_token"][1:])
    new_signalwire_signing_key = _secret_field(*SECRET_INPUTS["new_signalwire_signing_key"][1:])
    new_telnyx_api_key = _secret_field(*SECRET_INPUTS["new_telnyx_api_key"][1:])

    class Meta:
        model = TelephonySettings
        fields = ["account", "provider", *PLAIN_FIELDS]

    def clean_signalwire_space_url(self):
        return space_host(self.cleaned_data.get("signalwire_space_url", ""))

    def clean_telnyx_public_key(self):
        value = (self.cleaned_data.get("telnyx_public_key") or "").strip()
        if value and (problem := public_key_problem(value)):
            raise forms.ValidationError(problem)
        return value


@admin.register(TelephonySettings)
class TelephonySettingsAdmin(ServiceAdmin):
    """Saved by telephony_settings_save (audited; a provider without complete credentials is the form's error)."""

    form = TelephonySettingsForm
    list_display = ["account", "provider", "twilio_account_sid", "auth_token_hint", "updated_at"]
    list_select_related = ["account"]
    list_filter = ["provider"]
    readonly_fields = ["auth_token_hint", "webhook_key_hint", "signalwire_api_token_hint", "signalwire_signing_key_hint",
                       "telnyx_api_key_hint"]
    fieldsets = [
        (None, {"fields": ["account", "provider"]}),
        ("Twilio", {"fields": ["twilio_account_sid", "auth_token_hint", "auth_token", "clear_auth_token",
                               "webhook_key_hint", "new_twilio_webhook_key", "clear_new_twilio_webhook_key"]}),
        ("SignalWire", {"fields": ["signalwire_space_url", "signalwire_project_id", "signalwire_api_token_hint",
                                   "new_signalwire_api_token", "signalwire_signing_key_hint",
                                   "new_signalwire_signing_key"]}),
        ("Telnyx", {"fields": ["telnyx_api_key_hint", "new_telnyx_api_key", "telnyx_public_key", "telnyx_texml_app_id"]}),
    ]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return [*readonly, "account"] if obj else readonly

    def service_save(self, request, form, change):
        data = form.cleaned_data
        account = TelephonySettings.objects.get(pk=form.instance.pk).account if change else data["account"]
        return telephony_settings_save(
            account=account, provider=data["provider"],
            plain={field: data.get(field, "") for field in PLAIN_FIELDS},
            secrets={field: data[name] for name, (field, _label, _help) in SECRET_INPUTS.items() if data.get(name)},
            clear={field for name, (field, _label, _help) in SECRET_INPUTS.items() if data.get(f"clear_{name}")},
            actor=admin_actor(request),
        )

    @admin.display(description="Stored auth token")
    def auth_token_hint(self, obj):
        return obj.twilio_auth_token_hint or "—"

    @admin.display(description="Stored SharedKey secret")
    def webhook_key_hint(self, obj):
        return obj.secret_hint("twilio_webhook_key") or "—"

    @admin.display(description="Stored API token")
    def signalwire_api_token_hint(self, obj):
        return obj.secret_hint("signalwire_api_token") or "—"

    @admin.display(description="Stored signing key")
    def signalwire_signing_key_hint(self, obj):
        return obj.secret_hint("signalwire_signing_key") or "—"

    @admin.display(description="Stored API key")
    def telnyx_api_key_hint(self, obj):
        return obj.secret_hint("telnyx_api_key") or "—"

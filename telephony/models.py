from django.db import models

from accounts.models import Account
from telephony.crypto import decrypt_secret, encrypt_secret, mask_secret


class Provider(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox (fictional numbers, no network)"
    TWILIO = "twilio", "Twilio"
    SIGNALWIRE = "signalwire", "SignalWire (LaML)"
    TELNYX = "telnyx", "Telnyx (TeXML)"


# The secret fields: stored Fernet-encrypted (telephony.crypto), read with `secret(name)`, shown masked.
SECRET_FIELDS = ("twilio_auth_token", "twilio_webhook_key", "signalwire_api_token", "signalwire_signing_key",
                 "telnyx_api_key")


class TelephonySettings(models.Model):
    """An account's telephony provider and its credentials. Empty Twilio fields fall back to the environment.

    Every secret is stored encrypted (telephony.crypto) and never shown back whole; the Telnyx public key and
    the ids are not secrets."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="telephony_settings")
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.SANDBOX)
    twilio_account_sid = models.CharField(max_length=64, blank=True)
    # Fernet ciphertext (telephony.crypto); read it with get_twilio_auth_token().
    twilio_auth_token = models.CharField(max_length=500, blank=True)
    # The SharedKey secret of a Twilio Webhook Setting (HMAC-SHA256 scheme, X-Twilio-Webhooks-Signature-Settings):
    # when set, webhooks signed with it are accepted besides the classic auth-token signature. Encrypted.
    twilio_webhook_key = models.CharField(max_length=500, blank=True)
    signalwire_space_url = models.CharField(
        "SignalWire Space URL", max_length=255, blank=True, help_text="Your Space's host, e.g. example.signalwire.com.")
    signalwire_project_id = models.CharField("SignalWire project id", max_length=64, blank=True)
    signalwire_api_token = models.CharField(max_length=500, blank=True)  # encrypted
    signalwire_signing_key = models.CharField(max_length=500, blank=True)  # encrypted
    telnyx_api_key = models.CharField(max_length=500, blank=True)  # encrypted
    telnyx_public_key = models.CharField(
        "Telnyx public key", max_length=100, blank=True,
        help_text="The account's webhook public key (base64, Mission Control → Keys & Credentials → Public Key).")
    telnyx_texml_app_id = models.CharField(
        "Telnyx TeXML application id", max_length=64, blank=True, help_text="The TeXML Application (connection) id new numbers are assigned to.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "telephony settings"
        verbose_name_plural = "telephony settings"

    def __str__(self):
        return f"{self.account}: {self.get_provider_display()}"

    def set_secret(self, name: str, plain: str) -> None:
        assert name in SECRET_FIELDS
        setattr(self, name, encrypt_secret(plain))

    def secret(self, name: str) -> str:
        assert name in SECRET_FIELDS
        return decrypt_secret(getattr(self, name))

    def secret_hint(self, name: str) -> str:
        return mask_secret(self.secret(name))

    def set_twilio_auth_token(self, plain: str) -> None:
        self.set_secret("twilio_auth_token", plain)

    def get_twilio_auth_token(self) -> str:
        return self.secret("twilio_auth_token")

    @property
    def twilio_auth_token_hint(self) -> str:
        return self.secret_hint("twilio_auth_token")

from django.db import models

from accounts.models import Account
from telephony.crypto import decrypt_secret, encrypt_secret, mask_secret


class Provider(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox (fictional numbers, no network)"
    TWILIO = "twilio", "Twilio"


class TelephonySettings(models.Model):
    """An account's telephony provider. Empty Twilio fields fall back to the environment."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="telephony_settings")
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.SANDBOX)
    twilio_account_sid = models.CharField(max_length=64, blank=True)
    # Fernet ciphertext (telephony.crypto); read it with get_twilio_auth_token().
    twilio_auth_token = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "telephony settings"
        verbose_name_plural = "telephony settings"

    def __str__(self):
        return f"{self.account}: {self.get_provider_display()}"

    def set_twilio_auth_token(self, plain: str) -> None:
        self.twilio_auth_token = encrypt_secret(plain)

    def get_twilio_auth_token(self) -> str:
        return decrypt_secret(self.twilio_auth_token)

    @property
    def twilio_auth_token_hint(self) -> str:
        return mask_secret(self.get_twilio_auth_token())

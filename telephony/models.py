from django.db import models

from accounts.models import Account


class Provider(models.TextChoices):
    SANDBOX = "sandbox", "Sandbox (fictional numbers, no network)"
    TWILIO = "twilio", "Twilio"


class TelephonySettings(models.Model):
    """An account's telephony provider. Empty Twilio fields fall back to the environment."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="telephony_settings")
    provider = models.CharField(max_length=20, choices=Provider.choices, default=Provider.SANDBOX)
    twilio_account_sid = models.CharField(max_length=64, blank=True)
    twilio_auth_token = models.CharField(max_length=255, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "telephony settings"
        verbose_name_plural = "telephony settings"

    def __str__(self):
        return f"{self.account}: {self.get_provider_display()}"

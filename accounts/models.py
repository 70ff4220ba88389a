import re
import secrets
import zoneinfo
from urllib.parse import urlsplit

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from core.currencies import validate_currency


def validate_region(value: str) -> None:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError("“%(value)s” is not a phone region code (e.g. US, GB).", params={"value": value})


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError("“%(value)s” is not an IANA time zone (e.g. America/New_York).", params={"value": value})


def validate_string_list(value) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
        raise ValidationError("Enter a list of non-empty strings.")


class Account(models.Model):
    """A tenant. Every row a user can see hangs off exactly one account."""

    # Not unique: a rename must answer the same whether another tenant has that name or not (no existence oracle).
    name = models.CharField(max_length=100)
    default_region = models.CharField(
        max_length=2, default="US", validators=[validate_region], help_text="Region used to read phone numbers typed without +country code."
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency],
                                help_text="ISO 4217 code of conversion values (e.g. USD, EUR).")
    lookup_caller_names = models.BooleanField(
        default=False, db_default=False,
        help_text="Look up callers' names with the provider the number was bought from (Twilio Lookup, Telnyx "
                  "Number Lookup, SignalWire Phone Number Lookup: charged per lookup; each number is looked up "
                  "once per 30 days).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MARKETER = "marketer", "Marketer"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MARKETER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="accounts_membership_one_per_user_account"),
        ]

    def __str__(self):
        return f"{self.user} · {self.account} ({self.role})"


def generate_website_key() -> str:
    return secrets.token_urlsafe(12).replace("-", "a").replace("_", "b")


ORIGIN_PATTERN = re.compile(r"^https?://[A-Za-z0-9.-]+(:(\d{1,5}|\*))?$")


def validate_origins(value) -> None:
    validate_string_list(value)
    bad = [origin for origin in value if not ORIGIN_PATTERN.match(origin)]
    if bad:
        raise ValidationError(
            "Origins look like https://www.example.com (optionally :port or :* for any port): %(bad)s",
            params={"bad": ", ".join(bad)},
        )


class Website(models.Model):
    """A web property that embeds the snippet. `key` is public: it is in the script URL."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="websites")
    name = models.CharField(max_length=100)
    key = models.SlugField(max_length=40, unique=True, default=generate_website_key)
    domains = models.JSONField(default=list, blank=True, validators=[validate_string_list])
    allowed_origins = models.JSONField(default=list, blank=True, validators=[validate_origins])
    snippet_seen_at = models.DateTimeField(null=True, blank=True)
    snippet_seen_origin = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["account", "name"], name="accounts_website_unique_name_per_account"),
        ]

    def __str__(self):
        return self.name

    def allows_origin(self, origin: str) -> bool:
        """Exact match, or a `scheme://host:*` entry matching any port of that host."""
        if not origin:
            return False
        for allowed in self.allowed_origins:
            if allowed == origin:
                return True
            if allowed.endswith(":*"):
                prefix = allowed[:-1]  # "http://localhost:"
                rest = origin[len(prefix):]
                if origin.startswith(prefix) and rest.isdigit():
                    return True
        return False


class RefusedOrigin(models.Model):
    """A page origin the DNI endpoints refused for a website (CORS), so the install page can say "add it".

    One row per website and origin, written at most once a minute (`refused_origin_record`).
    """

    website = models.ForeignKey(Website, on_delete=models.CASCADE, related_name="refused_origins")
    origin = models.CharField(max_length=200)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=1, help_text="Minutes in which it was refused (recorded at most once a minute).")
    # Anyone can send any Origin header: an admin dismisses one that is not theirs; it stays hidden (and no longer
    # takes one of the website's REFUSED_ORIGINS_PER_WEBSITE places) however often it is sent again.
    dismissed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["website", "origin"], name="accounts_refusedorigin_one_per_website_origin"),
        ]

    def __str__(self):
        return f"{self.origin} refused for {self.website}"

    @property
    def host(self) -> str:
        """Only the host name is shown (never the text an outsider sent): "https://www.example.com:8443" → "www.example.com"."""
        return (urlsplit(self.origin).hostname or "")[:200]


class AuditEntry(models.Model):
    """Append-only: who changed what, for the rows that have no history table of their own (websites,
    webhook endpoints, API tokens, conversion rules). Written by the service in the change's transaction."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="audit_entries")
    action = models.CharField(max_length=60, help_text="“website.created”, “webhook_endpoint.disabled”…")
    target_type = models.CharField(max_length=60, help_text="app_label.model of the changed row.")
    target_id = models.BigIntegerField(null=True, blank=True)
    target_repr = models.CharField(max_length=200, blank=True)
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder, help_text='{"field": [old, new]}.')
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=60, help_text="“alice (admin)”, “API token cp_ab12… (api)”…")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"
        indexes = [
            # The admin's audit list of an account, newest first.
            models.Index(fields=["account", "created_at"], name="accounts_audit_account_at_idx"),
        ]

    def __str__(self):
        return f"{self.action} {self.target_repr} by {self.actor_label}"

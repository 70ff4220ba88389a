from django.contrib import admin

from accounts.admin_scoping import AccountScopedAdmin
from telephony.models import TelephonySettings


@admin.register(TelephonySettings)
class TelephonySettingsAdmin(AccountScopedAdmin):
    list_display = ["account", "provider", "twilio_account_sid", "updated_at"]
    list_select_related = ["account"]
    list_filter = ["provider"]

from django.contrib import admin

from accounts.admin_scoping import AccountScopedAdmin, ServiceAdmin
from core.actors import Actor
from core.admin import ViewOnlyAdminMixin
from transcripts.models import Transcript, TranscriptionSettings
from transcripts.services import transcription_settings_save


@admin.register(TranscriptionSettings)
class TranscriptionSettingsAdmin(ServiceAdmin):
    list_display = ["account", "backend", "updated_at"]
    list_filter = ["backend"]
    fields = ["account", "backend", "key_phrases"]

    def service_save(self, request, form, change):
        data = form.cleaned_data
        return transcription_settings_save(account=data["account"], backend=data["backend"],
                                           key_phrases=data.get("key_phrases") or [],
                                           actor=Actor.person(request.user, via="admin"))


@admin.register(Transcript)
class TranscriptAdmin(ViewOnlyAdminMixin, AccountScopedAdmin):
    list_display = ["call", "recording_sid", "backend", "status", "created_at", "ready_at"]
    list_filter = ["backend", "status"]
    list_select_related = ["call"]
    readonly_fields = [f.name for f in Transcript._meta.fields]

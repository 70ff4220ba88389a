from decimal import Decimal
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join

from accounts.admin_scoping import ServiceAdmin, admin_account_ids, admin_actor
from accounts.models import Account
from core.admin_actions import plural, run_service_per_object
from core.admin_forms import PhoneFieldsFormMixin
from core.admin_inlines import ReadOnlyInline
from core.errors import DomainError
from core.phones import phone_display
from pools.models import Pool, PoolChange, PoolNoticeAudio
from pools.planner import CANNOT_BUY_ADVICE, PlannedAction, sm
from pools.selectors import pool_tracker_changes_since, pool_type_guide
from pools.services import (
    EDITABLE_FIELDS,
    PoolCannotBuyNumbers,
    bought_summary,
    pool_create,
    pool_enforce,
    pool_provision,
    pool_reassign_original,
    pool_retire,
    pool_set_notice_audio,
    pool_update,
)
from telephony.call_flow import CallFacts, call_flow_clean, preview_sentences
from telephony.number_search import NumberRequestError, number_request_clean, number_request_display
from trackers.models import CallTracker, TrackerStatusChange

LISTED = 10  # numbers or actions spelled out in one admin message; the rest are counted
GUIDE_ACCOUNTS = 10  # a superuser's add form shows measured figures of this many accounts at most


class PoolAdminForm(PhoneFieldsFormMixin, forms.ModelForm):
    original_number = forms.CharField(help_text="Any form, e.g. (202) 555-0100 or +12025550100.")
    notice_audio = forms.FileField(
        required=False, label="Recording notice audio",
        help_text="An MP3 or WAV (at most 2 MB) played instead of the spoken notice before a recorded call connects.")
    remove_notice_audio = forms.BooleanField(required=False, label="Remove the uploaded notice audio")
    phone_fields = ("original_number",)

    class Meta:
        model = Pool
        help_texts = {
            "kind": "Manual: numbers you assign by hand (billboards, print); the rules engine never touches them. "
                    "Automated: the rules engine buys, activates and releases numbers (the add form has a guide).",
            "tracking": "Per source/medium: one number per traffic source. Per visitor session: one number per "
                        "visitor on the site (keyword and click-id attribution); needs peak concurrent visitors × headroom.",
        }
        fields = ["account", "website", "name", "kind", "tracking", "original_number", "size", "utilization",
                  "min_visits", "visit_window_days", "flag_days", "lease_minutes", "exhaustion", "max_size", "record_calls",
                  "number_request", "traffic_filter", "offline", "call_flow"]
        # Plain words for the admin's labels (the API keeps the field names: lease_minutes, exhaustion).
        labels = {
            "lease_minutes": "Visitor keeps the number for (minutes)",
            "exhaustion": "When every number is in use",
            "flag_days": "Flagged numbers keep forwarding for (days)",
            "utilization": "Share of numbers shown at once",
            "min_visits": "Visits a source needs for its own number",
            "visit_window_days": "Count visits over (days)",
        }
        # One sentence per field, in the form's own words (the model's help texts are for developers).
        help_texts = {
            "account": "The customer account this pool belongs to.",
            "website": "The site whose visitors see these numbers (the snippet is installed there).",
            "name": "A name your team recognises, e.g. “Main line” or “Service desk”.",
            "kind": "Manual: you decide which numbers show. Automated: the rules below buy, assign and free numbers.",
            "tracking": "Source: one number per traffic source (google / cpc …). Visitor: each visitor session "
                        "gets its own number, so a call is tied to the exact visit.",
            "size": "How many tracking numbers the pool holds.",
            "utilization": "The share of the numbers that may be shown at once (0–1); the rest rest between uses.",
            "min_visits": "A source needs at least this many visits in the window below to get its own number.",
            "visit_window_days": "How many days of visits count towards a source's place on the list.",
            "flag_days": "“Flagged” (the FAQ's word): a number taken off the site that still forwards, so people who "
                         "wrote it down still get through. After this many days it becomes available again.",
            "lease_minutes": "How long a visitor keeps their number after their last page view; a call within this "
                             "time is still credited to their visit.",
            "exhaustion": "What a visitor sees when every number is in use: your business line (the call is not "
                          "tracked to a visit), or a shared number (tracked to the source, not the visit).",
            "max_size": "Automated visitor pools grow to their busiest moment, but never past this.",
            "record_calls": "Record calls to this pool's numbers (tell callers; some places require consent).",
            "number_request": 'Where new numbers come from. Empty or {"type": "local"}: the original number\'s area code, '
                              'then its state, then nearby. {"type": "area_code", "area_code": "303"}: only that area '
                              'code. {"type": "any_area_code"}: local numbers from any area code (a national business). '
                              '{"type": "toll_free"}. Add "country": "CA" to buy in another country.',
            "traffic_filter": 'Only these visitors get a number, e.g. {"sources": ["google"], "mediums": ["cpc"]} for '
                              'Google Ads clicks (add "campaigns": [...] to narrow further). Others see a source pool\'s '
                              "number for the same line, or the business line. Sizing counts only this traffic. "
                              "Empty: every visitor.",
            "offline": 'For numbers printed on a billboard, flyer or radio spot: {"label": "I-25 billboard", '
                       '"source": "billboard", "medium": "offline"}. Calls to them are credited to that source '
                       'without a website visit, and reports show them under "Offline". The website never shows '
                       "these numbers. Empty: numbers shown on the website.",
            "call_flow": 'Empty: every call rings the original number. Otherwise, e.g. {"hours": [{"days": [0, 1, 2, 3, 4], '
                         '"open": "09:00", "close": "17:00"}], "holidays": ["2026-12-25"], "closed": {"action": "voicemail"} '
                         '(or {"action": "forward", "number": "+12025550199"}), "ring_seconds": 20, "recording_notice": '
                         '"This call may be recorded.", "whisper": "Call from {source}, keyword {keyword}"}. Days: 0 = Monday; '
                         "times in the account's time zone. The dashboard's pool page has an editor.",
        }

    def phone_region(self, cleaned):
        account = cleaned.get("account") or getattr(self.instance, "account", None)
        return account.default_region if account else None

    def clean(self):
        cleaned = super().clean()
        account = cleaned.get("account") or getattr(self.instance, "account", None)
        website = cleaned.get("website")
        if website and account and website.account_id != account.pk:
            self.add_error("website", "This website belongs to another account.")
        if cleaned.get("call_flow") is not None:
            try:
                cleaned["call_flow"] = call_flow_clean(cleaned["call_flow"],
                                                       region=account.default_region if account else "US")
            except DomainError as exc:
                self.add_error("call_flow", exc.message)
        audio = cleaned.get("notice_audio")
        if audio is not None and (audio.content_type not in PoolNoticeAudio.CONTENT_TYPES or audio.size > PoolNoticeAudio.MAX_BYTES):
            self.add_error("notice_audio", "An MP3 or WAV file of at most 2 MB.")
        if "number_request" in cleaned and cleaned.get("original_number"):
            try:
                cleaned["number_request"] = number_request_clean(cleaned["number_request"], cleaned["original_number"])
            except NumberRequestError as exc:
                self.add_error("number_request", f"{exc.field}: {exc.message}")
        return cleaned


class TrackerInline(admin.TabularInline):
    model = CallTracker
    fields = ["tracking_number", "status", "source", "medium", "original_number", "flagged_at"]
    readonly_fields = fields  # type: ignore[assignment]
    extra = 0
    show_change_link = True
    can_delete = False
    verbose_name_plural = "Live trackers"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(deleted_at__isnull=True)

    def has_add_permission(self, request, obj=None):
        return False


class PoolChangeInline(ReadOnlyInline):
    model = PoolChange
    fields = ["created_at", "actor_label", "changes", "reason"]
    verbose_name_plural = "Settings history (newest first)"


class ProvisionForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=500, initial=5, label="How many numbers")


@admin.register(Pool)
class PoolAdmin(ServiceAdmin):
    form = PoolAdminForm
    list_display = ["name", "website", "kind", "tracking", "original", "size", "utilization", "retired_at"]
    list_select_related = ["website", "account"]
    list_filter = ["kind", "tracking", "account"]
    search_fields = ["name", "original_number"]
    raw_id_fields = []
    readonly_fields = ["created_at", "updated_at", "retired_at", "number_searches", "call_flow_preview"]
    inlines = [TrackerInline, PoolChangeInline]
    actions = ["provision_numbers", "enforce_rules", "reassign_original", "retire_pools"]
    # static/admin/pools/pool_form.js hides the fieldsets and rows that don't apply to the chosen kind and
    # tracking (`data-applies` on the fieldset classes below); without JavaScript every field shows.
    fieldsets = [
        (None, {"fields": ["account", "website", "name", "kind", "tracking", "original_number", "size"]}),
        ("Automated rules", {"classes": ["applies-kind-automated"],
                             "description": "Only automated pools follow these; manual pools are never changed for you.",
                             "fields": ["utilization", "min_visits", "visit_window_days", "flag_days", "max_size"]}),
        ("Visitor sessions", {"classes": ["applies-tracking-visitor"],
                              "description": "Only visitor pools hand each session its own number.",
                              "fields": ["lease_minutes", "exhaustion", "traffic_filter"]}),
        ("Offline numbers", {"classes": ["applies-kind-manual"],
                             "description": "Only manual pools: numbers printed off the website.",
                             "fields": ["offline"]}),
        ("New numbers", {"fields": ["number_request", "number_searches"]}),
        ("Recording", {"fields": ["record_calls"]}),
        ("Call handling", {"description": "Business hours, voicemail, the recording notice and the whisper.",
                           "fields": ["call_flow", "call_flow_preview", "notice_audio", "remove_notice_audio"]}),
        ("Dates", {"classes": ["collapse"], "fields": ["created_at", "updated_at", "retired_at"]}),
    ]

    class Media:
        js = ["admin/pools/pool_form.js"]

    def has_delete_permission(self, request, obj=None):
        # Pools are retired, never deleted: their trackers (PROTECT), calls and history stay. The change form's
        # "Retire" link and the "Retire pool" action take its place (pools.services.pool_retire).
        return False

    def get_urls(self):
        retire = path("<path:object_id>/retire/", self.admin_site.admin_view(self.retire_view), name="pools_pool_retire")
        return [retire, *super().get_urls()]

    def retire_view(self, request, object_id):
        """Confirm, then retire through pool_retire (the same service as the action, the API and the dashboard)."""
        pool = self.get_object(request, object_id)  # scoped to the admin's accounts: another account's pool is a 404
        if pool is None or not self.has_change_permission(request, pool):
            raise Http404("No such pool")
        change_url = reverse("admin:pools_pool_change", args=[pool.pk])
        if pool.is_retired:
            self.message_user(request, f"“{pool}” is already retired.", messages.WARNING)
            return redirect(change_url)
        if request.method == "POST":
            try:
                pool_retire(pool=pool, actor=admin_actor(request))
            except DomainError as exc:
                self.message_user(request, f"“{pool}” was not retired: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"“{pool}” retired; its numbers keep forwarding for {pool.flag_days} days.",
                                  messages.SUCCESS)
            return redirect(change_url)
        return TemplateResponse(request, "admin/pools/pool/retire.html", {
            **self.admin_site.each_context(request), "pool": pool, "opts": self.model._meta, "title": f"Retire {pool}",
        })

    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, {**(extra_context or {}), "guide": self._guide(request)})

    @staticmethod
    def _guide(request) -> dict:
        """"Which pool type?" with the measured peaks of every website this admin administers."""
        ids = admin_account_ids(request)
        accounts = Account.objects.all() if ids is None else Account.objects.filter(pk__in=ids)
        now = timezone.now()
        guides = [pool_type_guide(account=account, now=now) for account in accounts.order_by("pk")[:GUIDE_ACCOUNTS]]
        return {"headroom": Decimal(str(settings.POOLS_SIZING_HEADROOM)),
                "peaks": [row for guide in guides for row in guide["peaks"]]}

    @admin.display(description="Searches for new numbers")
    def number_searches(self, obj):
        return number_request_display(obj.number_request, obj.original_number) if obj and obj.pk else "—"

    @admin.display(description="Preview")
    def call_flow_preview(self, obj):
        if not (obj and obj.pk):
            return "—"
        sentences = preview_sentences(
            obj.call_flow, now=timezone.now().astimezone(ZoneInfo(obj.account.timezone)), number_display=phone_display,
            facts=CallFacts(original_number=obj.original_number, record=obj.record_calls,
                            has_notice_audio=bool(obj.notice_audio_digest)))
        return format_html_join("", '<span style="display:block">{}</span>', ((sentence,) for sentence in sentences))

    def get_readonly_fields(self, request, obj=None):
        # A pool belongs to its account and website for good (pool_update changes neither).
        return [*self.readonly_fields, "account", "website"] if obj else self.readonly_fields

    @admin.display(description="Original number", ordering="original_number")
    def original(self, obj):
        return phone_display(obj.original_number)

    def save_model(self, request, obj, form, change):
        """Saved by pool_create / pool_update during validation (service_save); an automated pool then runs
        the rules engine after the commit (numbers are bought outside any transaction), before the response
        stores messages."""
        if form.cleaned_data.get("kind") == Pool.Kind.AUTOMATED:
            since = timezone.now()
            transaction.on_commit(lambda: self._enforce_and_report(request, obj, since))

    def _enforce_and_report(self, request, pool: Pool, since) -> None:
        """Saving an automated pool runs the rules engine: say what it bought and did (SPEC: no silent purchases)."""
        try:
            pool_enforce(pool=pool, actor=admin_actor(request))
        except PoolCannotBuyNumbers as exc:
            self.message_user(request, f"“{pool}”: {exc.message} {CANNOT_BUY_ADVICE}", messages.ERROR)
        except DomainError as exc:
            self.message_user(request, f"“{pool}”: the rules engine could not run: {exc.message}", messages.ERROR)
        summary = describe_changes(pool_tracker_changes_since(pool=pool, since=since))
        if summary:
            self.message_user(request, f"“{pool}”: {summary}", messages.INFO)
        held = CallTracker.objects.live().filter(pool=pool).count()
        if held < pool.size:
            self.message_user(request, f"“{pool}” holds {held} of its {pool.size} numbers: the provider could not supply "
                                       "the rest; the next rules run tries again.", messages.WARNING)

    def service_save(self, request, form, change):
        data = {field: form.cleaned_data[field] for field in EDITABLE_FIELDS if field in form.cleaned_data}
        if change:
            pool = Pool.objects.get(pk=form.instance.pk)
            changed = {field: data[field] for field in form.changed_data if field in data}
            pool_update(pool=pool, actor=admin_actor(request), reason="changed in the admin", **changed)
            pool.refresh_from_db()
            return self._save_notice_audio(request, form, pool)
        data.pop("name")
        data.pop("original_number")
        pool = pool_create(
            account=form.cleaned_data["account"], website=form.cleaned_data["website"],
            name=form.cleaned_data["name"], original_number=form.cleaned_data["original_number"],
            actor=admin_actor(request), **data,
        )
        return self._save_notice_audio(request, form, pool)

    @staticmethod
    def _save_notice_audio(request, form, pool: Pool) -> Pool:
        audio = form.cleaned_data.get("notice_audio")
        if audio is not None:
            return pool_set_notice_audio(pool=pool, content=audio.read(), content_type=audio.content_type,
                                         filename=audio.name, actor=admin_actor(request))
        if form.cleaned_data.get("remove_notice_audio"):
            return pool_set_notice_audio(pool=pool, content=None, actor=admin_actor(request))
        return pool

    @admin.action(description="Provision numbers from the telephony provider…")
    def provision_numbers(self, request, queryset):
        automated = [pool for pool in queryset if pool.kind == Pool.Kind.AUTOMATED and not pool.is_retired]
        if "apply" in request.POST:
            form = ProvisionForm(request.POST)
            if form.is_valid():
                count = form.cleaned_data["count"]
                # pool_provision refuses automated pools (the engine would delete the numbers), with the reason.
                run_service_per_object(
                    self, request, queryset, lambda pool: self._provision_and_report(request, pool, count),
                    done=lambda total: f"{plural(total, 'number')} provisioned.",
                )
                return None
        else:
            form = ProvisionForm()
        return TemplateResponse(
            request, "admin/pools/provision.html",
            {**self.admin_site.each_context(request), "title": "Provision numbers", "pools": queryset,
             "automated": automated, "form": form, "action": "provision_numbers", "opts": self.model._meta},
        )

    def _provision_and_report(self, request, pool: Pool, count: int) -> list[CallTracker]:
        """Buy, then say what was bought and which search found it (area code, region, nearby, toll-free)."""
        trackers = pool_provision(pool=pool, count=count, actor=admin_actor(request))
        self.message_user(request, f"“{pool}”: {bought_summary(trackers)}", messages.INFO)
        return trackers

    @admin.action(description="Enforce rules now")
    def enforce_rules(self, request, queryset):
        run_service_per_object(self, request, queryset, lambda pool: self._enforce_and_list(request, pool),
                               done=lambda total: f"{plural(total, 'action')} taken on {plural(len(queryset), 'pool')}.")

    def _enforce_and_list(self, request, pool: Pool) -> list[PlannedAction]:
        actions = pool_enforce(pool=pool, actor=admin_actor(request))
        self.message_user(request, f"“{pool}”: {describe_actions(actions)}", messages.INFO)
        return actions

    @admin.action(description="Reassign active trackers to the current original number")
    def reassign_original(self, request, queryset):
        run_service_per_object(self, request, queryset, lambda pool: pool_reassign_original(pool=pool, actor=admin_actor(request)),
                               done=lambda total: f"{plural(total, 'number')} reassigned to their pool's original number.")

    @admin.action(description="Retire pool")
    def retire_pools(self, request, queryset):
        pools = [pool for pool in queryset if pool.retired_at is None]
        run_service_per_object(self, request, pools, lambda pool: pool_retire(pool=pool, actor=admin_actor(request)),
                               done=lambda total: f"{plural(total, 'pool')} retired; their numbers keep forwarding for their flag days.")


def describe_actions(actions: list[PlannedAction]) -> str:
    """One admin message line for a rules run: each action with its number and reason, the first LISTED."""
    if not actions:
        return "nothing to do, the pool follows its rules."
    parts = []
    for action in actions[:LISTED]:
        number = phone_display(action.tracking_number) if action.tracking_number else "new number"
        parts.append(f"{action.action} {number} ({action.reason})")
    more = f"; and {len(actions) - LISTED} more" if len(actions) > LISTED else ""
    return f"{len(actions)} action{'s' if len(actions) != 1 else ''}: " + "; ".join(parts) + more + "."


def describe_changes(changes: list[TrackerStatusChange]) -> str:
    """What the pool's trackers went through (from their history): numbers bought, then every status change."""
    bought = [c.tracker.tracking_number for c in changes if not c.from_status]
    moved = [c for c in changes if c.from_status]
    parts = []
    if bought:
        listed = ", ".join(phone_display(n) for n in bought[:LISTED])
        more = f" and {len(bought) - LISTED} more" if len(bought) > LISTED else ""
        parts.append(f"bought {len(bought)} number{'s' if len(bought) != 1 else ''}: {listed}{more}")
    for change in moved[:LISTED]:
        where = f" for {sm(change.source, change.medium)}" if change.to_status == "active" and (change.source or change.medium) else ""
        parts.append(f"{phone_display(change.tracker.tracking_number)} {change.from_status} → {change.to_status}{where}")
    if len(moved) > LISTED:
        parts.append(f"and {len(moved) - LISTED} more changes")
    return "; ".join(parts) + ("." if parts else "")

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse

from accounts.admin_scoping import (
    AccountScopedAdmin,
    ServiceAdmin,
    admin_account_ids,
    admin_actor,
)
from accounts.models import Account, AuditEntry, Membership, Website
from accounts.services import (
    ACCOUNT_EDITABLE_FIELDS,
    WEBSITE_EDITABLE_FIELDS,
    account_create,
    account_update,
    membership_remove,
    membership_set,
    normalise_domain,
    normalise_origin,
    user_create,
    website_create,
    website_update,
)
from core.admin_actions import run_service_per_object
from core.admin_inlines import ReadOnlyInline
from core.errors import DomainError


class MembershipInline(ReadOnlyInline):
    """Who is in the account; people are added, changed and removed under Memberships (through the services)."""

    model = Membership
    fields = ["user", "role", "created_at"]


@admin.register(Account)
class AccountAdmin(ServiceAdmin):
    account_path = "id"
    list_display = ["name", "default_region", "timezone", "currency", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def service_save(self, request, form, change):
        data = form.cleaned_data
        fields = {field: data[field] for field in ACCOUNT_EDITABLE_FIELDS if field in data}
        if change:
            changes = {field: value for field, value in fields.items() if field in form.changed_data}
            return account_update(account=Account.objects.get(pk=form.instance.pk), actor=admin_actor(request), **changes)
        return account_create(actor=admin_actor(request), **fields)

    def get_queryset(self, request):
        queryset = admin.ModelAdmin.get_queryset(self, request)
        ids = admin_account_ids(request)
        return queryset if ids is None else queryset.filter(pk__in=ids)

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class LinesField(forms.CharField):
    """A list of strings typed one per line (instead of raw JSON). `normalise` is the service's own (it
    normalises again for every face); here it lets the model's validation see what will be stored."""

    widget = forms.Textarea(attrs={"rows": 4, "cols": 60})

    def __init__(self, *, normalise, **kwargs):
        self.normalise = normalise
        super().__init__(required=False, **kwargs)

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list | tuple) else value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        lines = [self.normalise(line.strip()) for line in (value or "").splitlines()]
        return list(dict.fromkeys(line for line in lines if line))  # drop blanks and repeats, keep the order


class WebsiteAdminForm(forms.ModelForm):
    domains = LinesField(normalise=normalise_domain,
                         help_text="One per line, e.g. www.example.com. Pasted URLs are cut down to their host.")
    allowed_origins = LinesField(
        normalise=normalise_origin,
        help_text="Pages that may ask for numbers, one per line, e.g. https://www.example.com "
                  "(add :8080 for a port, :* for any port). A trailing slash or capitals are fixed for you.")

    class Meta:
        model = Website
        fields = ["account", "name", "key", "domains", "allowed_origins"]


@admin.register(Website)
class WebsiteAdmin(ServiceAdmin):
    form = WebsiteAdminForm
    list_display = ["name", "account", "key", "domain_list", "snippet_seen_at"]
    list_select_related = ["account"]
    list_filter = ["account"]
    search_fields = ["name", "key"]
    readonly_fields = ["snippet_seen_at", "snippet_seen_origin", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # The key is in every installed snippet: it stays (website_update does not change it).
        return [*self.readonly_fields, "account", "key"] if obj else self.readonly_fields

    def service_save(self, request, form, change):
        data = form.cleaned_data
        if change:
            changes = {field: data[field] for field in WEBSITE_EDITABLE_FIELDS if field in form.changed_data}
            return website_update(website=Website.objects.get(pk=form.instance.pk), actor=admin_actor(request), **changes)
        return website_create(account=data["account"], name=data["name"], domains=data["domains"],
                              allowed_origins=data["allowed_origins"], key=data.get("key"), actor=admin_actor(request))

    @admin.display(description="Domains")
    def domain_list(self, obj):
        return ", ".join(obj.domains)


class MembershipAddForm(forms.ModelForm):
    """Account admins add people here: a new login, or an existing user already in one of their accounts."""

    username = forms.CharField(max_length=150)
    email = forms.EmailField(required=False)
    password = forms.CharField(
        required=False, widget=forms.PasswordInput, help_text="Required for a new user; leave empty for an existing one."
    )

    class Meta:
        model = Membership
        fields = ["account", "role"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None  # ModelForm.clean() returns cleaned_data
        username = cleaned.get("username")
        if not username:
            return cleaned
        User = get_user_model()
        existing = User.objects.filter(username=username).first()
        ids = admin_account_ids(self.request)
        if existing is not None and ids is not None and not Membership.objects.filter(user=existing, account_id__in=ids).exists():
            # Another tenant's login (or one in no account of this admin's) is answered exactly like a new username
            # until the form would create it: no probing which usernames other tenants have, no claiming them.
            existing, taken = None, True
        else:
            taken = False
        if existing is None:
            if not cleaned.get("password"):
                self.add_error("password", "A new user needs a password.")
                return cleaned
            try:
                password_validation.validate_password(cleaned["password"], User(username=username, email=cleaned.get("email", "")))
            except ValidationError as exc:
                self.add_error("password", exc)
                return cleaned
            if taken:
                self.add_error("username", "That username is taken. Choose another.")
            return cleaned
        cleaned["user"] = existing
        return cleaned


@admin.register(Membership)
class MembershipAdmin(ServiceAdmin):
    """Adds, role changes and removals go through membership_set/membership_remove (audited; an account's last
    admin stays): a refusal is the form's error."""

    list_display = ["user", "email", "account", "role", "created_at"]
    list_select_related = ["user", "account"]
    list_filter = ["role", "account"]
    search_fields = ["user__username", "user__email"]

    @admin.display(description="Email", ordering="user__email")
    def email(self, obj):
        return obj.user.email

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            class RequestBoundForm(MembershipAddForm):
                def __init__(self, *args, **kw):
                    super().__init__(*args, request=request, **kw)

            kwargs["form"] = RequestBoundForm
            kwargs["fields"] = ["account", "role"]
        else:
            kwargs["fields"] = ["role"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["account", "username", "email", "password", "role"]})]
        return [(None, {"fields": ["role"]})]

    def service_save(self, request, form, change):
        data, actor = form.cleaned_data, admin_actor(request)
        if change:
            membership = Membership.objects.select_related("user", "account").get(pk=form.instance.pk)
            return membership_set(user=membership.user, account=membership.account, role=data["role"], actor=actor)
        user = data.get("user") or user_create(username=data["username"], password=data["password"],
                                               email=data.get("email", ""))
        return membership_set(user=user, account=data["account"], role=data["role"], actor=actor)

    def delete_view(self, request, object_id, extra_context=None):
        """A refused removal (the account's last admin) rolls back with its log entry and says why."""
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return HttpResponseRedirect(reverse("admin:accounts_membership_change", args=[object_id]))

    def delete_model(self, request, obj):
        membership_remove(membership=obj, actor=admin_actor(request))

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        actions["remove_memberships"] = self.get_action("remove_memberships")
        return actions

    @admin.action(description="Remove selected people from their accounts")
    def remove_memberships(self, request, queryset):
        run_service_per_object(self, request, queryset.select_related("user", "account"),
                               lambda membership: membership_remove(membership=membership, actor=admin_actor(request)),
                               done="{total} memberships removed.")


@admin.register(AuditEntry)
class AuditEntryAdmin(AccountScopedAdmin):
    """Who changed what (websites, webhook endpoints, API tokens, conversion rules): read-only."""

    list_display = ["created_at", "account", "action", "target_repr", "actor_label"]
    list_select_related = ["account"]
    list_filter = ["action", "account"]
    search_fields = ["target_repr", "actor_label"]
    readonly_fields = ["account", "action", "target_type", "target_id", "target_repr", "changes", "actor", "actor_label",
                       "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

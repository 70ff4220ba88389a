"""Admin access for account admins: they see and edit only their own accounts' rows; superusers see all."""

from django.contrib import admin
from django.contrib.admin import helpers, widgets
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accounts.models import Account, Membership
from accounts.selectors import account_for_request
from accounts.tenancy import cross_account_links, scope_queryset
from core.actors import Actor
from core.errors import DomainError


def admin_account_ids(request) -> list[int] | None:
    """The account the admin works in, when the user is its admin (SPEC: every page stays scoped to one account —
    a member of several works in the one chosen in the dashboard header, else their first); None means every
    account (superuser)."""
    if request.user.is_superuser:
        return None
    cached = getattr(request, "_admin_account_ids", None)
    if cached is None:
        account = getattr(request, "account", None) or account_for_request(request)
        cached = [] if account is None else list(
            Membership.objects.filter(user=request.user, account=account, role=Membership.Role.ADMIN)
            .values_list("account_id", flat=True)
        )
        request._admin_account_ids = cached
    return cached


class AccountScopedInline:
    """Scoped choices (and raw-id labels) for every foreign key and many-to-many of a form: a mixin for inlines
    (e.g. a membership's user), and the base of AccountScopedAdmin."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs = scoped_choice_kwargs(db_field, request, kwargs)
        return scope_raw_id_widget(super().formfield_for_foreignkey(db_field, request, **kwargs))  # type: ignore[misc]  # mixin

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs = scoped_choice_kwargs(db_field, request, kwargs)
        return scope_raw_id_widget(super().formfield_for_manytomany(db_field, request, **kwargs))  # type: ignore[misc]  # mixin


class AccountScopedAdmin(AccountScopedInline, admin.ModelAdmin):
    """`account_path` is the lookup from this model to its Account, e.g. "pool__account"."""

    account_path = "account"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        ids = admin_account_ids(request)
        if ids is None:
            return queryset
        return queryset.filter(**{f"{self.account_path}__in": ids})

    def _is_account_admin(self, request) -> bool:
        return request.user.is_active and request.user.is_staff and (
            request.user.is_superuser or bool(admin_account_ids(request))
        )

    def _owns(self, request, obj) -> bool:
        if obj is None:
            return True
        ids = admin_account_ids(request)
        return ids is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request):
        return self._is_account_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_account_admin(request) and self._owns(request, obj)

    def has_add_permission(self, request):
        return self._is_account_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_account_admin(request) and self._owns(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._is_account_admin(request) and self._owns(request, obj)

    def action_checkbox(self, obj):
        """Django's row checkbox, the same HTML written out: its CheckboxInput renders a form template per row, a
        third of a 50-row changelist's time."""
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html('<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
                           helpers.ACTION_CHECKBOX_NAME, str(obj.pk), label)

    def get_list_filter(self, request):
        """Filters on a relation list only the related rows this admin's (scoped) rows point to."""
        return [scoped_list_filter(self.model, entry) for entry in super().get_list_filter(request)]

    def save_model(self, request, obj, form, change):
        refuse_cross_account_links(obj)
        super().save_model(request, obj, form, change)


def admin_actor(request) -> Actor:
    """The signed-in person, acting through the admin."""
    return Actor.person(request.user, via="admin")


class ServiceAdmin(AccountScopedAdmin):
    """An admin whose saves go through a service, called while the form is validated: a refusal
    (DomainError) is a form error, so the form shows again with it and nothing is logged as changed;
    a success is written by the service alone (save_model writes nothing more).

    Subclasses implement `service_save(request, form, change)`, returning the saved object."""

    def service_save(self, request, form, change: bool):
        raise NotImplementedError

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        return service_form(form_class, save=lambda form: self.service_save(request, form, change))

    def save_model(self, request, obj, form, change):
        """Saved by the service during validation (ServiceAdmin.get_form)."""


def service_form(form_class, *, save):
    """`form_class` whose validation ends by calling `save(form)` in a savepoint; a DomainError becomes
    the form's errors (on the fields it names, else on the form)."""

    class ServiceForm(form_class):  # type: ignore[misc,valid-type]  # a ModelForm class, known at run time
        def _post_clean(self):
            super()._post_clean()
            if self._errors:
                return
            refuse_cross_account_links(self.instance)  # type: ignore[has-type]
            try:
                with transaction.atomic():
                    saved = save(self)
            except DomainError as exc:
                add_domain_error(self, exc)
            else:
                if saved is not None:
                    self.instance = saved

    ServiceForm.__name__ = ServiceForm.__qualname__ = form_class.__name__
    return ServiceForm


def add_domain_error(form, exc: DomainError) -> None:
    """The service's message on the form; its per-field messages on the fields the form shows."""
    shown = {field: messages for field, messages in exc.fields.items() if field in form.fields}
    for field, messages in shown.items():
        for message in messages:
            form.add_error(field, message)
    if not shown or exc.message not in [m for messages in shown.values() for m in messages]:
        form.add_error(None, exc.message)


class ScopedForeignKeyRawIdWidget(widgets.ForeignKeyRawIdWidget):
    """Shows the label of a typed id only if it is one of the field's (scoped) choices: never another
    tenant's tracking number, pool name or session id."""

    queryset = None

    def label_and_url_for_value(self, value):
        key = self.rel.get_related_field().name
        if self.queryset is not None and not self.queryset.filter(**{key: value}).exists():
            return "", ""
        return super().label_and_url_for_value(value)


class ScopedManyToManyRawIdWidget(widgets.ManyToManyRawIdWidget):
    queryset = None

    def label_and_url_for_value(self, value):
        return "", ""


def scope_raw_id_widget(formfield):
    if formfield is None:
        return formfield
    widget = formfield.widget
    if type(widget) is widgets.ForeignKeyRawIdWidget:
        widget.__class__ = ScopedForeignKeyRawIdWidget
    elif type(widget) is widgets.ManyToManyRawIdWidget:
        widget.__class__ = ScopedManyToManyRawIdWidget
    if isinstance(widget, ScopedForeignKeyRawIdWidget | ScopedManyToManyRawIdWidget):
        widget.queryset = formfield.queryset
    return formfield


def scoped_list_filter(model, entry):
    """A plain list_filter entry naming a relation becomes a RelatedOnlyFieldListFilter."""
    if not isinstance(entry, str):
        return entry
    try:
        fields = get_fields_from_path(model, entry)
    except (FieldDoesNotExist, NotRelationField):
        return entry
    if fields and fields[-1].is_relation:
        return (entry, admin.RelatedOnlyFieldListFilter)
    return entry


def scoped_choice_kwargs(db_field, request, kwargs: dict) -> dict:
    """Every foreign key and many-to-many offers (and accepts, raw-id widgets included) only rows of the
    user's accounts; users only if they are members of one of them. Related models no account owns: none."""
    ids = admin_account_ids(request)
    if ids is not None:
        base = kwargs.get("queryset", db_field.related_model._default_manager.all())
        kwargs["queryset"] = scope_queryset(base, ids)
        if db_field.related_model is Account and len(ids) == 1 and db_field.many_to_one and not db_field.blank:
            # An admin of one account: the account is chosen for them (no "Account: ---------" to pick from).
            kwargs.setdefault("initial", ids[0])
            kwargs["empty_label"] = None
    return kwargs


def refuse_cross_account_links(obj) -> None:
    """Last line before the admin's own save: a row linking into another account is never written."""
    errors = cross_account_links(obj)
    if errors:
        raise PermissionDenied("; ".join(f"{field}: {message}" for field, message in errors.items()))

"""Which account owns a row, found from the models themselves (not hand-listed), and the checks built on it.

`account_path(Model)` is the ORM lookup from a model to its Account (``"account"``, ``"website__account"``,
``"tracker__pool__account"``), found by walking forward foreign keys. Users belong to the accounts they are
members of. The admin scopes every foreign key and many-to-many with it, and `TenantLinks.clean()` refuses a
row whose links point into another account — so services (full_clean) and admin forms (which call the model's
clean()) refuse the same cross-tenant link.
"""

from collections import deque
from functools import cache

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError

MAX_DEPTH = 4
USER_PATH = "memberships__account"


def _is_user(model) -> bool:
    return model._meta.label == settings.AUTH_USER_MODEL


def _is_account(model) -> bool:
    return model._meta.label == "accounts.Account"


def _forward_links(model):
    """Forward FK/one-to-one fields, non-nullable first (they always lead somewhere), in declaration order."""
    fields = [f for f in model._meta.get_fields() if f.concrete and f.is_relation and (f.many_to_one or f.one_to_one)]
    return sorted(fields, key=lambda f: f.null)


@cache
def account_path(model) -> str | None:
    """Lookup from `model` to its Account; "pk" for Account itself; None when no account owns the model."""
    if _is_account(model):
        return "pk"
    if _is_user(model):
        return USER_PATH
    queue = deque([(model, "")])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        if path.count("__") >= MAX_DEPTH:
            continue
        for field in _forward_links(current):
            related = field.related_model
            step = f"{path}__{field.name}" if path else field.name
            if _is_account(related):
                return step
            if related in seen or _is_user(related):
                continue
            seen.add(related)
            queue.append((related, step))
    return None


def scope_queryset(queryset, account_ids):
    """`queryset` limited to rows of `account_ids` (None: every account); rows of unowned models: none."""
    if account_ids is None:
        return queryset
    path = account_path(queryset.model)
    if path is None:
        return queryset.none()
    scoped = queryset.filter(**{f"{path}__in": account_ids})
    return scoped.distinct() if path == USER_PATH else scoped


def row_account_id(model, pk) -> int | None:
    path = account_path(model)
    if path is None or path == USER_PATH:
        return None
    if path == "pk":
        return pk
    return model._default_manager.filter(pk=pk).values_list(path, flat=True).first()


def owner_field(model):
    """The first link of the model's account path: the field whose account the row belongs to."""
    path = account_path(model)
    if path in (None, "pk", USER_PATH):
        return None
    return model._meta.get_field(path.split("__")[0])


def cross_account_links(instance) -> dict[str, str]:
    """{field name: message} for each link of `instance` into an account other than its owner's.

    Links to users are not checked here (a user may belong to several accounts); the admin scopes them.
    """
    owner = owner_field(type(instance))
    if owner is None:
        return {}
    owner_pk = getattr(instance, owner.attname)
    if owner_pk is None:
        return {}
    owner_account = row_account_id(owner.related_model, owner_pk)
    errors = {}
    for field in [*_forward_links(type(instance))]:
        if field is owner or _is_user(field.related_model):
            continue
        pk = getattr(instance, field.attname)
        if pk is None or account_path(field.related_model) is None:
            continue
        if row_account_id(field.related_model, pk) != owner_account:
            errors[field.name] = f"This {field.verbose_name} belongs to another account."
    return errors


class TenantLinks:
    """Model mixin: full_clean() (services) and ModelForm validation (admin) refuse links into another account.

    Runs with the constraints (which get `exclude`), so a link the form does not show is reported on the form.
    """

    def validate_constraints(self, exclude=None):
        errors: dict = {}
        try:
            super().validate_constraints(exclude=exclude)  # type: ignore[misc]  # model mixin
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        for field, message in cross_account_links(self).items():
            key = NON_FIELD_ERRORS if exclude and field in exclude else field
            errors.setdefault(key, []).append(message)
        if errors:
            raise ValidationError(errors)

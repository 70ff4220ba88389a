"""Writes of the dashboard's own rows: a person's calls-log layout and saved views (per user and account)."""

import re

from django.db import IntegrityError, transaction

from accounts.models import Account
from core.error_codes import CONFLICT, INVALID
from core.errors import DomainError
from dashboard.call_columns import PAGE_SIZES, columns_clean
from dashboard.call_views import view_params_clean
from dashboard.models import CallLogPreference, SavedCallView

VIEW_NAME_MAX = 60
VIEWS_PER_PERSON = 50


def call_log_preference_save(*, user, account: Account, columns, per_page: int) -> CallLogPreference:
    """Keep the person's columns (known keys, registry order, the call's link always in) and page size."""
    cleaned = columns_clean(columns)
    if not cleaned:
        raise DomainError(INVALID, "Choose at least one column.", {"columns": ["Choose at least one column."]})
    if per_page not in PAGE_SIZES:
        raise DomainError(INVALID, "A page holds 25, 50 or 100 calls.", {"per_page": ["Choose 25, 50 or 100."]})
    preference, _ = CallLogPreference.objects.update_or_create(
        user=user, account=account, defaults={"columns": list(cleaned), "per_page": per_page})
    return preference


def _view_name_clean(name) -> str:
    text = re.sub(r"\s+", " ", str(name or "")).strip()
    if not text or len(text) > VIEW_NAME_MAX or any(ord(char) < 32 for char in text):
        raise DomainError(INVALID, f"A view's name is 1 to {VIEW_NAME_MAX} characters.",
                          {"name": [f"Give the view a name of 1 to {VIEW_NAME_MAX} characters."]})
    return text


def saved_view_save(*, user, account: Account, name, params) -> SavedCallView:
    """Save the log's current view under a name; saving under an existing name replaces that view."""
    name = _view_name_clean(name)
    kept = view_params_clean(params)
    existing = SavedCallView.objects.filter(user=user, account=account, name=name).first()
    if existing is not None:
        existing.params = kept
        existing.save(update_fields=["params"])
        return existing
    if SavedCallView.objects.filter(user=user, account=account).count() >= VIEWS_PER_PERSON:
        raise DomainError(CONFLICT, f"You have {VIEWS_PER_PERSON} saved views; delete one first.")
    try:
        with transaction.atomic():
            return SavedCallView.objects.create(user=user, account=account, name=name, params=kept)
    except IntegrityError:  # the same name saved meanwhile (a double click)
        view = SavedCallView.objects.get(user=user, account=account, name=name)
        view.params = kept
        view.save(update_fields=["params"])
        return view


def saved_view_delete(*, view: SavedCallView) -> None:
    view.delete()

"""HackSoft's `model_update`: one way for services to change a row."""

from typing import TypeVar

from django.db.models import Model

from core.errors import full_clean_or_raise

M = TypeVar("M", bound=Model)


def model_update(*, instance: M, fields: list[str], data: dict, auto_updated_at: bool = True) -> tuple[M, dict]:
    """Set the `fields` of `instance` present in `data`, validate (full_clean, as a DomainError) and save
    only what changed. Returns the instance and {field: (old, new)} of what changed (empty: nothing saved)."""
    changed = {}
    for field in fields:
        if field in data and getattr(instance, field) != data[field]:
            changed[field] = (getattr(instance, field), data[field])
            setattr(instance, field, data[field])
    if changed:
        full_clean_or_raise(instance)
        update_fields = list(changed)
        if auto_updated_at and any(f.name == "updated_at" for f in instance._meta.fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    return instance, changed

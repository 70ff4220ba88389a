"""Writes for pools."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Account, Website
from core.errors import DomainError
from core.phones import parse_phone
from pools.models import Pool

EDITABLE_FIELDS = [
    "name", "kind", "tracking", "original_number", "size", "utilization", "min_visits",
    "visit_window_days", "flag_days", "lease_minutes", "exhaustion", "max_size", "record_calls",
]


def _domain_error(exc: ValidationError) -> DomainError:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next(iter(fields.values()))[0]
    return DomainError("invalid", first, fields)


def _clean(pool: Pool) -> None:
    try:
        pool.full_clean()
    except ValidationError as exc:
        raise _domain_error(exc) from None


def pool_create(*, account: Account, website: Website, name: str, original_number: str, actor=None, **fields) -> Pool:
    if website.account_id != account.pk:
        raise DomainError("invalid", "The website belongs to another account.", {"website": ["Unknown website."]})
    try:
        number = parse_phone(original_number, account.default_region)
    except ValidationError as exc:
        raise DomainError("invalid", exc.messages[0], {"original_number": exc.messages}) from None
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"pool_create got unexpected fields {sorted(unknown)}")
    pool = Pool(account=account, website=website, name=name, original_number=number, **fields)
    _clean(pool)
    pool.save()
    return pool


@transaction.atomic
def pool_update(*, pool: Pool, actor=None, **changes) -> Pool:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"pool_update got unexpected fields {sorted(unknown)}")
    if "original_number" in changes:
        try:
            changes["original_number"] = parse_phone(changes["original_number"], pool.account.default_region)
        except ValidationError as exc:
            raise DomainError("invalid", exc.messages[0], {"original_number": exc.messages}) from None
    for field, value in changes.items():
        setattr(pool, field, value)
    _clean(pool)
    pool.save(update_fields=[*changes.keys(), "updated_at"])
    return pool

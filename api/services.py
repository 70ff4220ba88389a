"""Writes that only the API needs. Pools, trackers and websites are written by their own apps' services."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Account, Website
from api.models import ApiToken, generate_key, hash_key
from core.errors import DomainError


def _domain_error(exc: ValidationError) -> DomainError:
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    first = next(iter(fields.values()))[0]
    return DomainError("invalid", first, fields)


def api_token_create(*, account: Account, scope: str = ApiToken.Scope.READ, name: str = "", actor=None) -> tuple[ApiToken, str]:
    """Returns the token and its key; the key is not stored and cannot be shown again."""
    if scope not in ApiToken.Scope.values:
        raise DomainError("invalid", f"“{scope}” is not a scope.", {"scope": ["Choose read or write."]})
    key = generate_key()
    token = ApiToken(account=account, scope=scope, name=name, key_hash=hash_key(key), key_hint=key[:10],
                     created_by=actor if getattr(actor, "pk", None) else None)
    token.full_clean(exclude=["key_hash", "key_hint"])
    token.save()
    return token, key


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken, now=None) -> None:
    """Record use at most once a minute, so reads don't turn into a write per request."""
    now = now or timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def website_create_api(*, account: Account, **fields) -> Website:
    from accounts.services import website_create

    try:
        return website_create(account=account, **fields)
    except ValidationError as exc:
        raise _domain_error(exc) from None


@transaction.atomic
def website_update(*, website: Website, **changes) -> Website:
    """accounts.services has no update yet; this is the same shape (full_clean, narrow save)."""
    allowed = {"name", "domains", "allowed_origins"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"website_update got unexpected fields {sorted(unknown)}")
    for field, value in changes.items():
        setattr(website, field, value)
    try:
        website.full_clean()
    except ValidationError as exc:
        raise _domain_error(exc) from None
    if changes:
        website.save(update_fields=list(changes))
    return website

"""Writes that only the API needs (its tokens). Pools, trackers and websites are written by their own apps' services."""

from django.utils import timezone

from accounts.models import Account
from api.models import ApiToken, generate_key, hash_key
from core.error_codes import INVALID
from core.errors import DomainError


def api_token_create(*, account: Account, scope: str = ApiToken.Scope.READ, name: str = "", actor=None) -> tuple[ApiToken, str]:
    """Returns the token and its key; the key is not stored and cannot be shown again."""
    if scope not in ApiToken.Scope.values:
        raise DomainError(INVALID, f"“{scope}” is not a scope.", {"scope": ["Choose read or write."]})
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

"""Writes that only the API needs (its tokens). Pools, trackers and websites are written by their own apps' services."""

from django.db import transaction
from django.utils import timezone

from accounts.models import Account
from accounts.services import audit_record
from api.models import ApiToken, generate_key, hash_key
from core.actors import as_actor
from core.error_codes import INVALID
from core.errors import DomainError


def api_token_create(*, account: Account, scope: str = ApiToken.Scope.READ, name: str = "", actor=None) -> tuple[ApiToken, str]:
    """Returns the token and its key; the key is not stored and cannot be shown again."""
    if scope not in ApiToken.Scope.values:
        raise DomainError(INVALID, f"“{scope}” is not a scope.", {"scope": ["Choose read or write."]})
    key = generate_key()
    token = ApiToken(account=account, scope=scope, name=name, key_hash=hash_key(key), key_hint=key[:10],
                     created_by=as_actor(actor).user)
    token.full_clean(exclude=["key_hash", "key_hint"])
    with transaction.atomic():
        token.save()
        audit_record(account=account, actor=actor, action="api_token.created", target=token,
                     changes={"scope": [None, scope], "name": [None, name]})
    return token, key


@transaction.atomic
def api_token_rename(*, token: ApiToken, name: str, actor=None) -> ApiToken:
    name = name.strip()
    if name != token.name:
        audit_record(account=token.account, actor=actor, action="api_token.renamed", target=token,
                     changes={"name": [token.name, name]})
        token.name = name
        token.full_clean(exclude=["key_hash", "key_hint"])
        token.save(update_fields=["name"])
    return token


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor=None) -> ApiToken:
    if ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        audit_record(account=token.account, actor=actor, action="api_token.revoked", target=token)
    token.refresh_from_db(fields=["revoked_at"])
    return token


def api_token_touch(*, token: ApiToken, now=None) -> None:
    """Record use at most once a minute, so reads don't turn into a write per request."""
    now = now or timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now

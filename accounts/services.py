import hashlib
from datetime import datetime

from django.contrib.auth import get_user_model, password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from accounts.models import ORIGIN_PATTERN, Account, Membership, RefusedOrigin, Website
from core.errors import DomainError, full_clean_or_raise


@transaction.atomic
def membership_set(*, user, account: Account, role: str) -> Membership:
    """Give `user` a role in `account`. Account admins need staff status to reach the admin site."""
    membership, _ = Membership.objects.update_or_create(user=user, account=account, defaults={"role": role})
    membership.full_clean()
    if role == Membership.Role.ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return membership


def user_create(*, username: str, password: str, email: str = ""):
    """A new login. The password must pass AUTH_PASSWORD_VALIDATORS (length, common, numeric, similarity)."""
    User = get_user_model()
    user = User(username=username, email=email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("invalid", exc.messages[0], {"password": exc.messages}) from None
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def website_create(*, account: Account, name: str, domains: list[str] | None = None,
                   allowed_origins: list[str] | None = None, key: str | None = None) -> Website:
    website = Website(account=account, name=name, domains=domains or [], allowed_origins=allowed_origins or [])
    if key:
        website.key = key
    full_clean_or_raise(website)
    website.save()
    return website


WEBSITE_EDITABLE_FIELDS = {"name", "domains", "allowed_origins"}


@transaction.atomic
def website_update(*, website: Website, **changes) -> Website:
    unknown = set(changes) - WEBSITE_EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"website_update got unexpected fields {sorted(unknown)}")
    for field, value in changes.items():
        setattr(website, field, value)
    full_clean_or_raise(website)
    if changes:
        website.save(update_fields=list(changes))
    return website


REFUSED_ORIGIN_EVERY_SECONDS = 60
REFUSED_ORIGINS_PER_WEBSITE = 20


def refused_origin_record(*, website: Website, origin: str, now: datetime) -> RefusedOrigin | None:
    """The DNI endpoints refused `origin` for `website`: remember it for the install page.

    Anyone can send any Origin header, so this writes at most once a minute per website and origin (a cache
    key, shared by every web process) and keeps at most REFUSED_ORIGINS_PER_WEBSITE origins per website.
    Returns the row written, or None when nothing was written.
    """
    if len(origin) > 200 or not ORIGIN_PATTERN.match(origin) or origin.endswith(":*"):
        return None
    digest = hashlib.sha256(origin.encode()).hexdigest()[:24]
    if not cache.add(f"dni:refused:{website.pk}:{digest}", 1, timeout=REFUSED_ORIGIN_EVERY_SECONDS):
        return None
    updated = RefusedOrigin.objects.filter(website=website, origin=origin).update(last_seen_at=now, count=F("count") + 1)
    if updated:
        return RefusedOrigin.objects.filter(website=website, origin=origin).first()
    if RefusedOrigin.objects.filter(website=website).count() >= REFUSED_ORIGINS_PER_WEBSITE:
        return None
    try:
        with transaction.atomic():
            return RefusedOrigin.objects.create(website=website, origin=origin, first_seen_at=now, last_seen_at=now)
    except IntegrityError:  # another process recorded it first
        return None

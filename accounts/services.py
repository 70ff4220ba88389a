import hashlib
from datetime import datetime
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model, password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import ORIGIN_PATTERN, Account, AuditEntry, Membership, RefusedOrigin, Website
from core.actors import actor_fields
from core.error_codes import INVALID, LAST_ADMIN, NOT_FOUND
from core.errors import DomainError, full_clean_or_raise
from core.updates import model_update

LAST_ADMIN_MESSAGE = "An account keeps at least one admin: make someone else admin first."


def _is_last_admin(membership: Membership) -> bool:
    return membership.role == Membership.Role.ADMIN and not (
        Membership.objects.filter(account_id=membership.account_id, role=Membership.Role.ADMIN)
        .exclude(pk=membership.pk).exists()
    )


@transaction.atomic
def membership_set(*, user, account: Account, role: str, actor=None) -> Membership:
    """Give `user` a role in `account` (added, or the role changed). Account admins need staff status to reach the
    admin site. An account's last admin is not demoted (nobody could then manage it)."""
    membership = Membership.objects.select_for_update().filter(user=user, account=account).first()
    old_role = membership.role if membership else None
    if membership is None:
        membership = Membership(user=user, account=account, role=role)
    elif role != old_role and _is_last_admin(membership):
        raise DomainError(LAST_ADMIN, LAST_ADMIN_MESSAGE, {"role": [LAST_ADMIN_MESSAGE]})
    membership.role = role
    full_clean_or_raise(membership)
    if old_role == role:
        return membership
    membership.save()
    if role == Membership.Role.ADMIN and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    audit_record(account=account, actor=actor, action="membership.added" if old_role is None else "membership.changed",
                 target=membership, changes={"user": [None, user.get_username()], "role": [old_role, role]})
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor=None) -> None:
    """Take `membership`'s user out of its account (the login stays). Never the account's last admin."""
    membership = Membership.objects.select_for_update().select_related("user", "account").get(pk=membership.pk)
    if _is_last_admin(membership):
        raise DomainError(LAST_ADMIN, LAST_ADMIN_MESSAGE)
    audit_record(account=membership.account, actor=actor, action="membership.removed", target=membership,
                 changes={"user": [membership.user.get_username(), None], "role": [membership.role, None]})
    membership.delete()


def user_create(*, username: str, password: str, email: str = ""):
    """A new login. The password must pass AUTH_PASSWORD_VALIDATORS (length, common, numeric, similarity)."""
    User = get_user_model()
    user = User(username=username, email=email)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise DomainError(INVALID, exc.messages[0], {"password": exc.messages}) from None
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


def audit_record(*, account: Account, actor, action: str, target, changes: dict | None = None,
                 now: datetime | None = None) -> AuditEntry:
    """One audit row with its actor. Call it inside the change's transaction."""
    return AuditEntry.objects.create(
        account=account, action=action, target_type=target._meta.label_lower, target_id=target.pk,
        target_repr=str(target)[:200], changes=changes or {}, **actor_fields(actor), created_at=now or timezone.now(),
    )


ACCOUNT_EDITABLE_FIELDS = ["name", "default_region", "timezone", "currency", "lookup_caller_names"]


def account_create(*, name: str, actor=None, **settings) -> Account:
    """A new tenant (superusers only, in the admin); `settings` are any of ACCOUNT_EDITABLE_FIELDS but the name."""
    unknown = set(settings) - set(ACCOUNT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"account_create got unexpected fields {sorted(unknown)}")
    account = Account(name=name, **settings)
    full_clean_or_raise(account)
    with transaction.atomic():
        account.save()
        audit_record(account=account, actor=actor, action="account.created", target=account,
                     changes={field: [None, getattr(account, field)] for field in ACCOUNT_EDITABLE_FIELDS})
    return account


@transaction.atomic
def account_update(*, account: Account, actor=None, **changes) -> Account:
    """Rename an account or change its region, time zone, currency or caller-name lookups; audited with the actor."""
    unknown = set(changes) - set(ACCOUNT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"account_update got unexpected fields {sorted(unknown)}")
    account, changed = model_update(instance=account, fields=ACCOUNT_EDITABLE_FIELDS, data=changes)
    if changed:
        audit_record(account=account, actor=actor, action="account.changed", target=account,
                     changes={field: [old, new] for field, (old, new) in changed.items()})
    return account


def normalise_domain(line: str) -> str:
    """ "https://WWW.Example.com/page" → "www.example.com"."""
    line = line.strip()
    try:
        host = urlsplit(line if "://" in line else f"//{line}").hostname
    except ValueError:  # "[" and other text no URL parser reads: the model's validator says what a domain is
        host = None
    return host or line.lower()


def normalise_origin(line: str) -> str:
    """ "HTTPS://WWW.Example.com/" → "https://www.example.com" (scheme and host lower-case, no path)."""
    line = line.strip().rstrip("/")
    if "://" not in line:
        return line  # the model's validator explains what an origin looks like
    scheme, rest = line.split("://", 1)
    host, _, _path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}"


def _normalised(values, normalise) -> list:
    """Each entry normalised, blanks and repeats dropped, order kept; anything not a list of strings is
    left for the model's validator to refuse."""
    if not isinstance(values, list | tuple) or not all(isinstance(value, str) for value in values):
        return values
    return list(dict.fromkeys(entry for entry in (normalise(value) for value in values) if entry))


def website_create(*, account: Account, name: str, domains: list[str] | None = None,
                   allowed_origins: list[str] | None = None, key: str | None = None, actor=None) -> Website:
    """Domains and origins are taken in any form people paste (a URL, capitals, a trailing slash), by every face."""
    website = Website(account=account, name=name, domains=_normalised(domains or [], normalise_domain),
                      allowed_origins=_normalised(allowed_origins or [], normalise_origin))
    if key:
        website.key = key
    full_clean_or_raise(website)
    with transaction.atomic():
        website.save()
        audit_record(account=account, actor=actor, action="website.created", target=website,
                     changes={"name": [None, website.name], "domains": [None, website.domains],
                              "allowed_origins": [None, website.allowed_origins]})
    return website


WEBSITE_EDITABLE_FIELDS = ["name", "domains", "allowed_origins"]


@transaction.atomic
def website_update(*, website: Website, actor=None, **changes) -> Website:
    unknown = set(changes) - set(WEBSITE_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"website_update got unexpected fields {sorted(unknown)}")
    if "domains" in changes:
        changes["domains"] = _normalised(changes["domains"], normalise_domain)
    if "allowed_origins" in changes:
        changes["allowed_origins"] = _normalised(changes["allowed_origins"], normalise_origin)
    website, changed = model_update(instance=website, fields=WEBSITE_EDITABLE_FIELDS, data=changes)
    if changed:
        audit_record(account=website.account, actor=actor, action="website.changed", target=website,
                     changes={field: [old, new] for field, (old, new) in changed.items()})
    return website


REFUSED_ORIGIN_EVERY_SECONDS = 60
REFUSED_ORIGINS_PER_WEBSITE = 20


def refused_origin_dismiss(*, account: Account, pk: int, actor, now: datetime | None = None) -> RefusedOrigin:
    """An admin says a refused origin is not theirs: it is no longer shown. Another account's row: DomainError."""
    row = RefusedOrigin.objects.filter(pk=pk, website__account=account).select_related("website").first()
    if row is None:
        raise DomainError(NOT_FOUND, "No such refused origin.")
    if row.dismissed_at is None:
        with transaction.atomic():
            row.dismissed_at = now or timezone.now()
            row.save(update_fields=["dismissed_at"])
            audit_record(account=account, actor=actor, action="website.refused_origin_dismissed", target=row.website,
                         changes={"refused_origin": [row.host, None]}, now=row.dismissed_at)
    return row


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
    if RefusedOrigin.objects.filter(website=website, dismissed_at__isnull=True).count() >= REFUSED_ORIGINS_PER_WEBSITE:
        return None
    try:
        with transaction.atomic():
            return RefusedOrigin.objects.create(website=website, origin=origin, first_seen_at=now, last_seen_at=now)
    except IntegrityError:  # another process recorded it first
        return None

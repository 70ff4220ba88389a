"""Writes of an account's block list: callers (full E.164 numbers or prefixes such as +1900) rejected before any
dial. "Mark spam" on a call adds its caller (calls.outcomes.call_mark); the voice webhook reads the list through
calls.selectors.caller_is_blocked."""

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import Account
from accounts.services import audit_record
from calls.models import BlockedNumber
from core.error_codes import CONFLICT, INVALID_PHONE
from core.errors import DomainError, full_clean_or_raise
from core.phones import parse_phone

_PREFIX = re.compile(r"^\+[0-9]{1,15}$")


def blocked_number_clean(raw, *, region: str) -> str:
    """A full number in any form becomes E.164 (read in the account's region); "+1 900", "+1-900" is the prefix
    +1900. Anything else is refused."""
    text = str(raw if raw is not None else "").strip()
    compact = re.sub(r"[\s().-]", "", text)
    if compact.startswith("+") and _PREFIX.match(compact):
        try:
            return parse_phone(compact, region)
        except ValidationError:
            return compact  # not a whole number: a prefix
    try:
        return parse_phone(text, region)
    except ValidationError:
        raise DomainError(INVALID_PHONE, f"“{text[:40]}” is neither a phone number nor a prefix such as +1900.",
                          {"number": ["Enter a phone number, or + and the first digits of the numbers to block."]}) from None


def blocked_number_add(*, account: Account, number: str, actor=None) -> BlockedNumber:
    blocked = BlockedNumber(account=account, number=blocked_number_clean(number, region=account.default_region))
    if BlockedNumber.objects.filter(account=account, number=blocked.number).exists():
        raise DomainError(CONFLICT, f"{blocked.number} is already blocked.", {"number": ["Already blocked."]})
    full_clean_or_raise(blocked)
    try:
        with transaction.atomic():
            blocked.save()
            audit_record(account=account, actor=actor, action="blocked_number.added", target=blocked,
                         changes={"number": [None, blocked.number]})
    except IntegrityError:
        raise DomainError(CONFLICT, f"{blocked.number} is already blocked.", {"number": ["Already blocked."]}) from None
    return blocked


def blocked_number_remove(*, blocked: BlockedNumber, actor=None) -> None:
    with transaction.atomic():
        audit_record(account=blocked.account, actor=actor, action="blocked_number.removed", target=blocked,
                     changes={"number": [blocked.number, None]})
        blocked.delete()


def caller_block(*, account: Account, caller_number: str, actor=None) -> bool:
    """Block one caller (a call marked spam); True when it was not blocked yet. Inside the caller's transaction."""
    if not caller_number:
        return False
    blocked, created = BlockedNumber.objects.get_or_create(account=account, number=caller_number)
    if created:
        audit_record(account=account, actor=actor, action="blocked_number.added", target=blocked,
                     changes={"number": [None, blocked.number]})
    return created


def caller_unblock(*, account: Account, caller_number: str, actor=None) -> bool:
    """A call marked "not spam" unblocks its caller's own number (prefixes stay). True when it was blocked."""
    blocked = BlockedNumber.objects.filter(account=account, number=caller_number).first() if caller_number else None
    if blocked is None:
        return False
    blocked_number_remove(blocked=blocked, actor=actor)
    return True

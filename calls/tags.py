"""Writes of an account's call tags. Tags are set on calls through calls.outcomes.call_mark; a name given there
(API, bulk edit, rules) that the account does not have yet becomes a tag."""

import re

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from accounts.models import Account
from accounts.services import audit_record
from calls.models import Tag
from core.error_codes import CONFLICT, INVALID
from core.errors import DomainError, full_clean_or_raise

TAG_NAME_MAX = 50
_UNCHANGED = object()


def tag_name_clean(name) -> str:
    """One spelling per tag: trimmed, inner whitespace collapsed, 1–50 printable characters."""
    text = re.sub(r"\s+", " ", str(name if name is not None else "")).strip()
    if not text or len(text) > TAG_NAME_MAX or any(ord(char) < 32 for char in text):
        raise DomainError(INVALID, f"A tag name is 1 to {TAG_NAME_MAX} characters of text.",
                          {"tags": [f"“{text[:60]}” is not a tag name."]})
    return text


def _tag_save(tag: Tag) -> Tag:
    full_clean_or_raise(tag)
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError:
        raise DomainError(CONFLICT, f"There is already a tag named “{tag.name}”.", {"name": ["Already exists."]}) from None
    return tag


def tag_create(*, account: Account, name: str, color: str = "", actor=None) -> Tag:
    tag = Tag(account=account, name=tag_name_clean(name))
    if color:
        tag.color = color
    if Tag.objects.filter(account=account, name__iexact=tag.name).exists():
        raise DomainError(CONFLICT, f"There is already a tag named “{tag.name}”.", {"name": ["Already exists."]})
    with transaction.atomic():
        _tag_save(tag)
        audit_record(account=account, actor=actor, action="tag.created", target=tag,
                     changes={"name": [None, tag.name], "color": [None, tag.color]})
    return tag


def tag_update(*, tag: Tag, name=_UNCHANGED, color=_UNCHANGED, actor=None) -> Tag:
    """Rename or recolour a tag; its calls keep it (reports by tag follow the new name)."""
    before = {"name": tag.name, "color": tag.color}
    if name is not _UNCHANGED:
        tag.name = tag_name_clean(name)
        if Tag.objects.filter(account_id=tag.account_id, name__iexact=tag.name).exclude(pk=tag.pk).exists():
            raise DomainError(CONFLICT, f"There is already a tag named “{tag.name}”.", {"name": ["Already exists."]})
    if color is not _UNCHANGED:
        tag.color = color
    changes = {field: [old, getattr(tag, field)] for field, old in before.items() if getattr(tag, field) != old}
    if not changes:
        return tag
    with transaction.atomic():
        _tag_save(tag)
        audit_record(account=tag.account, actor=actor, action="tag.changed", target=tag, changes=changes)
    return tag


def tag_delete(*, tag: Tag, actor=None) -> None:
    """The tag leaves every call it was on (their history keeps its name)."""
    with transaction.atomic():
        audit_record(account=tag.account, actor=actor, action="tag.deleted", target=tag, changes={"name": [tag.name, None]})
        tag.delete()


def tags_for_names(*, account: Account, names) -> list[Tag]:
    """The account's tags with these names (any case), creating the missing ones; in the order given, once each."""
    wanted: dict[str, str] = {}
    for raw in names:
        name = tag_name_clean(raw)
        wanted.setdefault(name.lower(), name)
    existing: dict[str, Tag] = {tag.name.lower(): tag for tag in
                Tag.objects.filter(account=account).annotate(lower_name=Lower("name")).filter(lower_name__in=list(wanted))}
    tags = []
    for key, name in wanted.items():
        tag = existing.get(key)
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(account=account, name=name)
            except IntegrityError:  # created meanwhile by a concurrent request
                tag = Tag.objects.get(account=account, name__iexact=name)
        tags.append(tag)
    return tags

"""The account's tags and block list: their services and the voice webhook's lookup."""

import pytest
from django.db import IntegrityError, transaction

from accounts.models import AuditEntry
from calls.blocklist import blocked_number_add, blocked_number_clean, blocked_number_remove
from calls.models import BlockedNumber, Tag
from calls.selectors import caller_is_blocked
from calls.tags import tag_create, tag_delete, tag_update
from core.errors import DomainError
from tests.factories import BlockedNumberFactory, CallFactory, TagFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("raw,stored", [
    ("+1 900", "+1900"), ("+1-900", "+1900"), ("+44", "+44"),
    ("(202) 555-0100", "+12025550100"), ("+1 202 555 0100", "+12025550100"),
])
def test_numbers_become_e164_and_prefixes_stay_prefixes(raw, stored):
    assert blocked_number_clean(raw, region="US") == stored


@pytest.mark.parametrize("raw", ["", "abc", "1900", "+", "+1900abc", "+1234567890123456"])
def test_anything_else_is_refused(raw):
    with pytest.raises(DomainError) as exc:
        blocked_number_clean(raw, region="US")
    assert "number" in exc.value.fields


def test_adding_a_number_twice_is_a_conflict(account):
    blocked_number_add(account=account, number="+1900")
    with pytest.raises(DomainError) as exc:
        blocked_number_add(account=account, number="+1 900")
    assert exc.value.code == "conflict"


def test_adding_and_removing_are_audited(account):
    blocked = blocked_number_add(account=account, number="+1900", actor="someone")
    blocked_number_remove(blocked=blocked)
    assert list(AuditEntry.objects.filter(account=account).values_list("action", flat=True).order_by("id")) == [
        "blocked_number.added", "blocked_number.removed"]


def test_the_database_refuses_a_number_that_is_not_plus_and_digits(account):
    with pytest.raises(IntegrityError), transaction.atomic():
        BlockedNumber.objects.create(account=account, number="1900")


@pytest.mark.parametrize("entry,caller,blocked", [
    ("+14158675309", "+14158675309", True), ("+1415", "+14158675309", True), ("+1", "+14158675309", True),
    ("+14158675300", "+14158675309", False), ("+1416", "+14158675309", False), ("+1415", "", False),
])
def test_a_caller_is_blocked_by_its_number_or_a_prefix(account, entry, caller, blocked):
    BlockedNumberFactory(account=account, number=entry)
    assert caller_is_blocked(account=account, caller_number=caller) is blocked


def test_another_accounts_list_blocks_nobody_here(account, other_account):
    BlockedNumberFactory(account=other_account, number="+1415")
    assert caller_is_blocked(account=account, caller_number="+14158675309") is False


def test_tag_names_are_unique_per_account_whatever_the_case(account, other_account):
    tag_create(account=account, name="Booked")
    with pytest.raises(DomainError) as exc:
        tag_create(account=account, name="booked")
    assert exc.value.code == "conflict"
    assert tag_create(account=other_account, name="booked").account == other_account


def test_the_database_refuses_two_tags_of_one_name(account):
    TagFactory(account=account, name="Booked")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(account=account, name="BOOKED")


def test_a_tag_colour_is_hex(account):
    with pytest.raises(DomainError) as exc:
        tag_create(account=account, name="x", color="red")
    assert "color" in exc.value.fields


def test_renaming_a_tag_keeps_it_on_its_calls_and_is_audited(account, active_tracker):
    tag = tag_create(account=account, name="booked")
    call = CallFactory(tracker=active_tracker)
    call.tags.add(tag)
    tag_update(tag=tag, name="Booked job", color="#ff0000")
    assert [t.name for t in call.tags.all()] == ["Booked job"]
    assert AuditEntry.objects.filter(action="tag.changed").get().changes["name"] == ["booked", "Booked job"]


def test_deleting_a_tag_takes_it_off_its_calls(account, active_tracker):
    tag = TagFactory(account=account)
    call = CallFactory(tracker=active_tracker)
    call.tags.add(tag)
    tag_delete(tag=tag)
    assert list(call.tags.all()) == [] and not Tag.objects.exists()

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from accounts.models import RefusedOrigin
from accounts.services import REFUSED_ORIGINS_PER_WEBSITE, refused_origin_record
from tests.factories import WebsiteFactory

NOW = timezone.now()


@pytest.fixture(autouse=True)
def _empty_cache(db):
    cache.clear()
    yield
    cache.clear()


def test_first_refusal_creates_a_row(website):
    row = refused_origin_record(website=website, origin="https://shop.example.com", now=NOW)
    assert (row.website, row.origin, row.first_seen_at, row.last_seen_at, row.count) == (website, "https://shop.example.com", NOW, NOW, 1)


def test_refusals_within_a_minute_write_once(website):
    for second in range(30):
        refused_origin_record(website=website, origin="https://shop.example.com", now=NOW + timedelta(seconds=second))
    row = RefusedOrigin.objects.get()
    assert (row.count, row.last_seen_at) == (1, NOW)


def test_a_refusal_after_the_minute_updates_last_seen_and_count(website):
    refused_origin_record(website=website, origin="https://shop.example.com", now=NOW)
    cache.clear()  # the minute has passed
    refused_origin_record(website=website, origin="https://shop.example.com", now=NOW + timedelta(minutes=2))
    row = RefusedOrigin.objects.get()
    assert (row.count, row.first_seen_at, row.last_seen_at) == (2, NOW, NOW + timedelta(minutes=2))


@pytest.mark.parametrize("origin", ["null", "file://", "https://x.example.com/path", "javascript:alert(1)", "https://" + "a" * 300])
def test_malformed_origins_are_not_recorded(website, origin):
    assert refused_origin_record(website=website, origin=origin, now=NOW) is None
    assert not RefusedOrigin.objects.exists()


def test_a_website_keeps_a_bounded_number_of_origins(website):
    for n in range(REFUSED_ORIGINS_PER_WEBSITE + 5):
        refused_origin_record(website=website, origin=f"https://spam{n}.example.com", now=NOW)
    assert RefusedOrigin.objects.filter(website=website).count() == REFUSED_ORIGINS_PER_WEBSITE


def test_the_same_origin_is_kept_per_website(website, other_account):
    other = WebsiteFactory(account=other_account)
    refused_origin_record(website=website, origin="https://shop.example.com", now=NOW)
    refused_origin_record(website=other, origin="https://shop.example.com", now=NOW)
    assert RefusedOrigin.objects.count() == 2

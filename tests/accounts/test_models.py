import pytest
from django.core.exceptions import ValidationError

from tests.factories import AccountFactory, WebsiteFactory


def test_website_origin_wildcard_port_matches_only_that_host(db):
    site = WebsiteFactory(allowed_origins=["http://localhost:*", "https://www.example.com"])
    assert site.allows_origin("http://localhost:5173")
    assert site.allows_origin("https://www.example.com")
    assert not site.allows_origin("http://localhost.evil.com:80")
    assert not site.allows_origin("https://example.com")
    assert not site.allows_origin("")


def test_website_rejects_malformed_origins(db):
    site = WebsiteFactory.build(account=AccountFactory(), allowed_origins=["example.com/path"])
    with pytest.raises(ValidationError) as excinfo:
        site.full_clean()
    assert "allowed_origins" in excinfo.value.message_dict


def test_account_rejects_an_unknown_region_and_timezone(db):
    account = AccountFactory.build(default_region="XX", timezone="Mars/Olympus")
    with pytest.raises(ValidationError) as excinfo:
        account.full_clean()
    assert {"default_region", "timezone"} <= set(excinfo.value.message_dict)


def test_website_update_rejects_a_bad_origin_with_a_field_error_and_saves_nothing(db):
    from accounts.services import website_update
    from core.errors import DomainError

    site = WebsiteFactory(allowed_origins=["https://ok.example.com"])
    with pytest.raises(DomainError) as excinfo:
        website_update(website=site, allowed_origins=["not an origin"])
    assert "allowed_origins" in excinfo.value.fields
    site.refresh_from_db()
    assert site.allowed_origins == ["https://ok.example.com"]


@pytest.mark.parametrize("currency", ["=A1", "usd", "XXX", "XAU", "US$", "ABC", ""])
def test_account_currency_must_be_an_iso_4217_code(db, currency):
    account = AccountFactory.build(currency=currency)
    with pytest.raises(ValidationError) as excinfo:
        account.full_clean()
    assert "currency" in excinfo.value.message_dict


@pytest.mark.parametrize("currency", ["USD", "EUR", "GBP", "JPY", "CHF", "XOF"])
def test_account_accepts_iso_4217_currencies(db, currency):
    AccountFactory.build(name=f"Shop {currency}", currency=currency).full_clean()

import pytest

from telephony.checks import check_account_provider_credentials, check_default_provider_credentials
from tests.factories import TelephonySettingsFactory


def test_twilio_default_without_credentials_is_an_error(settings):
    settings.TELEPHONY_DEFAULT_PROVIDER = "twilio"
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""

    errors = check_default_provider_credentials(None)

    assert [error.id for error in errors] == ["telephony.E002"]


def test_twilio_default_with_credentials_is_fine(settings):
    settings.TELEPHONY_DEFAULT_PROVIDER = "twilio"
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "ACx", "token"

    assert check_default_provider_credentials(None) == []


def test_sandbox_default_needs_no_credentials(settings):
    settings.TELEPHONY_DEFAULT_PROVIDER = "sandbox"
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""

    assert check_default_provider_credentials(None) == []


def test_unknown_default_provider_is_an_error(settings):
    settings.TELEPHONY_DEFAULT_PROVIDER = "carrier-pigeon"

    assert [error.id for error in check_default_provider_credentials(None)] == ["telephony.E001"]


@pytest.mark.django_db
def test_account_on_twilio_without_credentials_is_an_error(settings, account):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    TelephonySettingsFactory(account=account, provider="twilio")

    errors = check_account_provider_credentials(None, databases=["default"])

    assert [error.id for error in errors] == ["telephony.E003"]


@pytest.mark.django_db
def test_account_on_twilio_is_fine_with_environment_credentials(settings, account):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "ACx", "token"
    TelephonySettingsFactory(account=account, provider="twilio")

    assert check_account_provider_credentials(None, databases=["default"]) == []


@pytest.mark.parametrize("provider", ["signalwire", "telnyx"])
def test_signalwire_or_telnyx_as_the_environment_default_is_an_error(settings, provider):
    settings.TELEPHONY_DEFAULT_PROVIDER = provider

    assert [error.id for error in check_default_provider_credentials(None)] == ["telephony.E005"]


@pytest.mark.django_db
@pytest.mark.parametrize("provider", ["signalwire", "telnyx"])
def test_account_on_signalwire_or_telnyx_with_incomplete_credentials_is_an_error(account, provider):
    TelephonySettingsFactory(account=account, provider=provider)

    errors = check_account_provider_credentials(None, databases=["default"])

    assert [error.id for error in errors] == ["telephony.E006"]

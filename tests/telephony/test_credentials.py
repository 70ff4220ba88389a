import pytest

from telephony.credentials import sandbox_webhook_token, twilio_credentials, webhook_auth_token
from telephony.crypto import decrypt_secret, encrypt_secret, mask_secret
from telephony.models import Provider, TelephonySettings
from tests.factories import TelephonySettingsFactory


def test_encrypted_secret_round_trips_and_is_not_stored_in_clear(settings):
    stored = encrypt_secret("abcd1234tok")

    assert "abcd1234tok" not in stored
    assert decrypt_secret(stored) == "abcd1234tok"


def test_secret_encrypted_under_another_key_reads_as_empty(settings):
    stored = encrypt_secret("abcd1234tok")
    settings.SECRET_KEY = "rotated"

    assert decrypt_secret(stored) == ""


def test_dedicated_encryption_key_is_used_when_set(settings):
    from cryptography.fernet import Fernet

    settings.TELEPHONY_ENCRYPTION_KEY = Fernet.generate_key().decode()
    stored = encrypt_secret("abcd1234tok")
    settings.SECRET_KEY = "rotated"  # does not matter with a dedicated key

    assert decrypt_secret(stored) == "abcd1234tok"


def test_mask_shows_only_the_last_four():
    assert mask_secret("abcd1234tok9") == "••••••••tok9"
    assert mask_secret("") == ""


@pytest.mark.django_db
def test_account_credentials_win_over_the_environment(settings, account):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "ACenv", "env-token"
    row = TelephonySettingsFactory(account=account, provider=Provider.TWILIO, twilio_account_sid="ACown")
    row.set_twilio_auth_token("own-token")
    row.save()

    credentials = twilio_credentials(TelephonySettings.objects.get(pk=row.pk))

    assert (credentials.account_sid, credentials.auth_token) == ("ACown", "own-token")
    assert webhook_auth_token(account) == "own-token"


@pytest.mark.django_db
def test_environment_credentials_apply_without_account_ones(settings, account):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = "ACenv", "env-token"
    TelephonySettingsFactory(account=account, provider=Provider.TWILIO)

    assert twilio_credentials(account.telephony_settings).auth_token == "env-token"
    assert webhook_auth_token(account) == "env-token"


@pytest.mark.django_db
def test_sandbox_account_without_any_token_signs_with_the_installation_sandbox_token(settings, account):
    settings.TWILIO_AUTH_TOKEN = ""

    assert webhook_auth_token(account) == sandbox_webhook_token()
    assert len(sandbox_webhook_token()) == 64


@pytest.mark.django_db
def test_twilio_account_without_any_token_has_no_webhook_token(settings, account):
    settings.TWILIO_AUTH_TOKEN = ""
    TelephonySettingsFactory(account=account, provider=Provider.TWILIO)

    assert webhook_auth_token(account) == ""


@pytest.mark.django_db
def test_migration_encrypts_tokens_stored_in_clear(account):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("telephony.migrations.0002_encrypt_auth_tokens")
    row = TelephonySettingsFactory(account=account, provider=Provider.TWILIO, twilio_auth_token="plain-token")

    migration.encrypt_plaintext_tokens(apps, None)

    row.refresh_from_db()
    assert row.twilio_auth_token.startswith("fernet:")
    assert row.get_twilio_auth_token() == "plain-token"


def test_a_secret_is_decrypted_once_per_process_and_again_under_a_rotated_key(settings, monkeypatch):
    from cryptography.fernet import Fernet

    stored = encrypt_secret("abcd1234tok")
    decrypts = []
    real_decrypt = Fernet.decrypt
    monkeypatch.setattr(Fernet, "decrypt", lambda self, token: decrypts.append(token) or real_decrypt(self, token))

    assert [decrypt_secret(stored), decrypt_secret(stored)] == ["abcd1234tok", "abcd1234tok"]
    assert len(decrypts) == 1  # each encryption is a new ciphertext: nothing earlier decrypted this one
    settings.SECRET_KEY = "rotated"
    assert decrypt_secret(stored) == ""

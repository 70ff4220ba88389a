"""Webhook signing secrets are stored encrypted at rest, like provider tokens (telephony.crypto)."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from integrations.models import WebhookEndpoint
from integrations.services import webhook_endpoint_create, webhook_endpoint_rotate_secret
from telephony.crypto import decrypt_secret


def _stored(endpoint) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret, previous_secret FROM integrations_webhookendpoint WHERE id = %s", [endpoint.pk])
        return cursor.fetchone()


@pytest.mark.django_db
def test_the_signing_secrets_are_encrypted_in_the_database(account):
    endpoint = webhook_endpoint_create(account=account, url="https://hooks.example.com/in", event_types=["call.completed"])
    first = WebhookEndpoint.objects.get(pk=endpoint.pk).secret
    secret, previous = _stored(endpoint)
    assert first.startswith("whsec_") and first not in secret
    assert secret.startswith("fernet:") and decrypt_secret(secret) == first and previous == ""

    second = webhook_endpoint_rotate_secret(endpoint=endpoint)
    secret, previous = _stored(endpoint)
    assert second not in secret and first not in previous
    assert (decrypt_secret(secret), decrypt_secret(previous)) == (second, first)
    reread = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (reread.secret, reread.previous_secret) == (second, first)


@pytest.mark.django_db
def test_a_plaintext_secret_cannot_be_stored(account):
    endpoint = webhook_endpoint_create(account=account, url="https://hooks.example.com/in", event_types=["call.completed"])
    with pytest.raises(IntegrityError), transaction.atomic():
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret_encrypted="whsec_" + "A" * 32)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.slow  # replays migrations
@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_plaintext_secrets():
    try:
        apps = _migrate([("integrations", "0007_outbox_due")])
        account = apps.get_model("accounts", "Account").objects.create(name="Old Co")
        Endpoint = apps.get_model("integrations", "WebhookEndpoint")
        old = Endpoint.objects.create(account=account, url="https://hooks.example.com/a", event_types=["call.completed"],
                                      secret="whsec_" + "A" * 32, previous_secret="whsec_" + "B" * 32)
        _migrate([("integrations", "0010_h1_webhook_secret_encrypted_check")])
        secret, previous = _stored(old)
        assert secret.startswith("fernet:") and previous.startswith("fernet:")
        assert (decrypt_secret(secret), decrypt_secret(previous)) == ("whsec_" + "A" * 32, "whsec_" + "B" * 32)
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

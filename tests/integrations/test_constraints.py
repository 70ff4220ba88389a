import pytest
from django.db import IntegrityError

from api.models import ApiToken
from integrations.models import GA4Delivery, WebhookEndpoint
from tests.factories import CallFactory

pytestmark = pytest.mark.django_db


def test_one_ga4_event_per_call(account):
    call = CallFactory()
    GA4Delivery.objects.create(account=call.account, website=call.pool.website, call=call)
    with pytest.raises(IntegrityError):
        GA4Delivery.objects.create(account=call.account, website=call.pool.website, call=call)


def test_webhook_secret_is_stored_encrypted(account):
    with pytest.raises(IntegrityError):
        WebhookEndpoint.objects.create(account=account, url="https://x.example.com", event_types=["call.started"],
                                       secret_encrypted="whsec_plain")


def test_token_scope_is_read_or_write(account):
    with pytest.raises(IntegrityError):
        ApiToken.objects.create(account=account, scope="admin", key_hash="x" * 64, key_hint="cp_x")


def test_generated_secret_decodes_to_24_bytes(account):
    import base64

    endpoint = WebhookEndpoint.objects.create(account=account, url="https://x.example.com", event_types=["call.started"])
    assert endpoint.secret.startswith("whsec_")
    assert len(base64.b64decode(endpoint.secret.removeprefix("whsec_"))) == 24


def test_endpoint_create_rejects_unknown_event_types(account):
    from core.errors import DomainError
    from integrations.services import webhook_endpoint_create

    with pytest.raises(DomainError) as info:
        webhook_endpoint_create(account=account, url="https://x.example.com/in", event_types=["call.exploded"])
    assert "event_types" in info.value.fields

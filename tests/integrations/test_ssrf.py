"""SSRF: webhook URLs that reach the install's own network are refused at save and at send.

The send-side tests use a real HTTP server on 127.0.0.1 (no mocks): it must receive nothing."""


import pytest
import requests
from django.urls import reverse

from core.errors import DomainError
from integrations.models import WebhookAttempt, WebhookEndpoint
from integrations.services import webhook_deliver, webhook_endpoint_create
from integrations.url_guard import guarded_session, webhook_url_problem
from tests.integrations.factories import WebhookDeliveryFactory, WebhookEndpointFactory
from tests.support import local_receiver

pytestmark = pytest.mark.django_db

PRIVATE_URLS = [
    "https://127.0.0.1/hook", "https://127.1.2.3:8443/x", "https://localhost/hook", "https://10.0.0.5/",
    "https://172.16.0.1/", "https://192.168.1.1/", "https://169.254.169.254/latest/meta-data/", "https://[::1]/",
    "https://[::ffff:127.0.0.1]/", "https://[fe80::1]/", "https://0.0.0.0/", "https://100.64.0.1/",
    "https://[fc00::1]/",
]


def _redirect_once(method: str, path: str):
    if path == "/redirect":
        return 302, {"Location": "/followed"}, b""
    return 204, {}, b""


@pytest.fixture
def receiver():
    """A real HTTP receiver on a free loopback port; `hits` lists the requests it got."""
    with local_receiver(_redirect_once) as server:
        yield server.url, server.hits


@pytest.mark.parametrize("url", PRIVATE_URLS)
def test_the_service_refuses_private_addresses(account, url):
    with pytest.raises(DomainError) as exc:
        webhook_endpoint_create(account=account, url=url, event_types=["call.completed"])
    assert "url" in exc.value.fields
    assert not WebhookEndpoint.objects.exists()


def test_https_only_unless_debug(account, settings):
    assert webhook_url_problem("http://8.8.8.8/hook") == "Webhook URLs must use https."
    assert webhook_url_problem("https://8.8.8.8/hook") is None
    settings.DEBUG = True
    assert webhook_url_problem("http://8.8.8.8/hook") is None
    assert webhook_url_problem("ftp://8.8.8.8/hook") is not None


def test_operators_can_allow_private_receivers(account, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    endpoint = webhook_endpoint_create(account=account, url="https://10.0.0.5/hook", event_types=["call.completed"])
    assert endpoint.pk


def test_the_admin_form_refuses_a_private_url(admin_client_for_account, account):
    response = admin_client_for_account.post(reverse("admin:integrations_webhookendpoint_add"), {
        "account": account.pk, "url": "https://169.254.169.254/latest", "description": "",
        "event_types": ["call.completed"], "is_enabled": "on",
    })
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    assert not WebhookEndpoint.objects.exists()


def test_at_send_a_stored_private_url_is_never_contacted(account, receiver, settings):
    base, hits = receiver
    settings.DEBUG = True  # http allowed, so only the address check stands in the way
    # A row saved before the check existed (or written around it).
    endpoint = WebhookEndpointFactory(account=account, url=f"{base}/in")
    delivery = WebhookDeliveryFactory(endpoint=endpoint)
    webhook_deliver(delivery_id=delivery.pk)
    assert hits == []
    attempt = WebhookAttempt.objects.get(delivery=delivery)
    assert attempt.status_code is None and attempt.error.startswith("Refused:")


def test_the_connection_itself_checks_what_the_name_resolves_to(receiver, settings):
    """A name that passed the save check but now resolves to loopback (DNS rebinding) is refused at connect."""
    base, hits = receiver
    port = base.rsplit(":", 1)[1]
    with pytest.raises(requests.ConnectionError) as exc, guarded_session() as session:
        session.post(f"http://localhost:{port}/in", data=b"{}", timeout=5)
    assert "not a public address" in str(exc.value)
    assert hits == []


def test_redirects_are_not_followed(account, receiver, settings):
    base, hits = receiver
    settings.DEBUG = True
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # this test's receiver is on loopback
    endpoint = WebhookEndpointFactory(account=account, url=f"{base}/redirect")
    delivery = WebhookDeliveryFactory(endpoint=endpoint)
    webhook_deliver(delivery_id=delivery.pk)
    assert [hit.path for hit in hits] == ["/redirect"]
    assert WebhookAttempt.objects.get(delivery=delivery).status_code == 302

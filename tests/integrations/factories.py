import factory
from django.utils import timezone

from integrations.models import (
    AdConversionUpload,
    AdPlatformConnection,
    GA4Delivery,
    GA4Settings,
    GoogleAdsSettings,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from telephony.crypto import encrypt_secret
from tests.factories import AccountFactory, CallFactory, WebsiteFactory


class WebhookEndpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookEndpoint

    account = factory.SubFactory(AccountFactory)
    url = factory.Sequence(lambda n: f"https://hooks{n}.example.com/in")
    event_types = factory.LazyFunction(lambda: ["call.started", "call.completed", "call.attributed", "tracker.status_changed"])
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


class WebhookDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookDelivery

    endpoint = factory.SubFactory(WebhookEndpointFactory)
    msg_id = factory.Sequence(lambda n: f"msg_{n:020d}")
    event_type = "call.started"
    payload = factory.LazyFunction(lambda: {"type": "call.started", "timestamp": "2026-01-01T00:00:00Z", "data": {"id": 1}})


class GA4SettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GA4Settings

    website = factory.SubFactory(WebsiteFactory)
    measurement_id = "G-TEST123"
    api_secret = factory.LazyFunction(lambda: encrypt_secret("secret123"))


class GoogleAdsSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GoogleAdsSettings

    account = factory.SubFactory(AccountFactory)


class WebhookAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WebhookAttempt

    delivery = factory.SubFactory(WebhookDeliveryFactory)
    attempted_at = factory.LazyFunction(timezone.now)
    status_code = 200


class GA4DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GA4Delivery

    call = factory.SubFactory(CallFactory)
    account = factory.SelfAttribute("call.account")
    website = factory.SelfAttribute("call.pool.website")


class AdPlatformConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdPlatformConnection

    account = factory.SubFactory(AccountFactory)
    platform = "meta"
    customer_id = "1234567890"
    conversion = "Lead"


class AdConversionUploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AdConversionUpload

    call = factory.SubFactory(CallFactory)
    account = factory.SelfAttribute("call.account")
    platform = "meta"

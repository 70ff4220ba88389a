from unittest import mock

import pytest

from pools.services import trackers_provision
from telephony.providers.sandbox import SandboxProvider
from tests.factories import PoolFactory

pytestmark = pytest.mark.django_db


def test_provisioned_numbers_get_the_webhooks_and_a_fallback_dialing_the_original(account, settings):
    settings.PUBLIC_BASE_URL = "https://calls.example.com"
    pool = PoolFactory(account=account, original_number="+12025550150")

    with mock.patch.object(SandboxProvider, "buy", autospec=True, side_effect=SandboxProvider.buy) as buy:
        trackers_provision(pool=pool, count=1)

    kwargs = buy.call_args.kwargs
    assert kwargs["voice_url"] == "https://calls.example.com/telephony/twilio/voice"
    assert kwargs["status_url"] == "https://calls.example.com/telephony/twilio/status"
    assert kwargs["fallback_url"] == "https://twimlets.com/forward?PhoneNumber=%2B12025550150"

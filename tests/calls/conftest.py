import pytest

from tests.calls.payloads import BASE, TEST_TOKEN, sign
from tests.factories import CallTrackerFactory, PoolFactory


@pytest.fixture
def twilio_env(settings):
    """Environment credentials, as in production without per-account settings."""
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = TEST_TOKEN
    settings.PUBLIC_BASE_URL = BASE
    return settings


@pytest.fixture
def twilio_post(client, twilio_env):
    """POST like Twilio: form-encoded, signed over PUBLIC_BASE_URL + path."""

    def post(path: str, params: dict, *, token: str = TEST_TOKEN, signature: str | None = None):
        headers = {"HTTP_X_TWILIO_SIGNATURE": signature if signature is not None else sign(params, path, token)}
        return client.post(path, data=params, **headers)

    return post


@pytest.fixture
def source_pool(account, website):
    return PoolFactory(account=account, website=website, name="Service line", original_number="+12025550150")


@pytest.fixture
def visitor_pool(account, website):
    return PoolFactory(account=account, website=website, name="Main line", visitor=True,
                       original_number="+12025550100", lease_minutes=30)


@pytest.fixture
def active_tracker(source_pool):
    return CallTrackerFactory(pool=source_pool, active=True, source="google", medium="cpc")


@pytest.fixture
def visitor_tracker(visitor_pool):
    return CallTrackerFactory(pool=visitor_pool, active=True)

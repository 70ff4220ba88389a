import pytest

from tests.factories import CallTrackerFactory, PoolFactory

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def visitor_pool(website):
    pool = PoolFactory(account=website.account, website=website, name="Main line", visitor=True,
                       original_number="+12025550100", size=3, lease_minutes=30)
    for _ in range(3):
        CallTrackerFactory(pool=pool, active=True)
    return pool


@pytest.fixture
def source_pool(website):
    pool = PoolFactory(account=website.account, website=website, name="Service line", original_number="+12025550150")
    CallTrackerFactory(pool=pool, active=True, source="google", medium="cpc")
    CallTrackerFactory(pool=pool, active=True, source="(direct)", medium="(none)")
    return pool


@pytest.fixture
def assign(client):
    """POST to the assign endpoint the way the snippet does."""

    def post(key="alicesite", body=None, origin="https://alice.example.com", ua=BROWSER_UA, **extra):
        import json

        content_type = extra.pop("content_type", "application/json")
        headers = {"HTTP_USER_AGENT": ua, **extra}
        if origin:
            headers["HTTP_ORIGIN"] = origin
        data = body if isinstance(body, (str, bytes)) else json.dumps(body if body is not None else {"page_url": "https://alice.example.com/"})
        return client.post(f"/dni/{key}/assign", data=data, content_type=content_type, **headers)

    return post

import pytest

from tests.factories import CallTrackerFactory, PoolFactory
from tests.support import local_receiver

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


@pytest.fixture
def demo_site(transactional_db):
    """What seed_demo makes for the demo page, minus the visits and calls: website `demo` and its two pools."""
    from tests.factories import AccountFactory, CallTrackerFactory, PoolFactory, WebsiteFactory

    account = AccountFactory(name="Demo Co")
    website = WebsiteFactory(account=account, key="demo", domains=["localhost"],
                             allowed_origins=["http://localhost:*", "http://127.0.0.1:*"])
    main = PoolFactory(account=account, website=website, name="Main line", visitor=True,
                       original_number="+12025550100", size=4, lease_minutes=30)
    trackers = [CallTrackerFactory(pool=main, active=True) for _ in range(4)]
    service = PoolFactory(account=account, website=website, name="Service line", original_number="+12025550150")
    direct = CallTrackerFactory(pool=service, active=True, source="(direct)", medium="(none)")
    return {"website": website, "main": main, "trackers": trackers, "service": service, "direct": direct}


NO_BEACON = "navigator.sendBeacon = function () { return true; };"


@pytest.fixture
def new_page(chromium, live_server):
    """A page in a fresh browser context. Leave beacons are off unless a test asks for them (`beacons=True`):
    a beacon sent while a page unloads reaches the live server while the test goes on — during a reload's own
    requests, or the database flush after the test — and SQLite's shared in-memory test database refuses
    concurrent writers ("table is locked"). Playwright can neither see nor route such beacons."""
    contexts = []

    def make(beacons=False):
        context = chromium.new_context(user_agent=BROWSER_UA, base_url=live_server.url)
        if not beacons:
            context.add_init_script(NO_BEACON)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        for page in context.pages:  # closing fires `pagehide`: no beacon after this test's database is gone
            try:
                page.evaluate(NO_BEACON)
            except Exception:  # a page that is already gone sends nothing either
                pass
        context.close()


@pytest.fixture
def shared_cache(settings):
    """The production cache for the assign path: Redis when REDIS_URL is set, else local memory standing in
    for it (the default database cache would add its own queries to the counts)."""
    if not settings.REDIS_URL:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                                       "LOCATION": "dni-shared-cache-test"}}
    from django.core.cache import cache

    cache.clear()
    yield cache
    cache.clear()


SHOP_PAGE = """<!doctype html><html><head><title>Shop</title>
<script async src="{server}/dni/demo.js"></script></head>
<body><p id="n">Call (202) 555-0100</p></body></html>"""


@pytest.fixture
def shop_origin(live_server):
    """A customer's site on another origin (127.0.0.1 vs the live server's localhost) embedding our script.

    It is a real loopback server, not a routed response: Chromium's Private Network Access only lets a
    page call loopback addresses when the page itself comes from one.
    """
    body = SHOP_PAGE.format(server=live_server.url).encode()
    with local_receiver(lambda method, path: (200, {"Content-Type": "text/html"}, body)) as shop:
        yield shop.url

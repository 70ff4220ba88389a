import itertools
import os

import pytest
from django.db import connection

from accounts.models import Membership
from tests.factories import AccountFactory, MembershipFactory, UserFactory, WebsiteFactory
from tests.support import redis_url_for_worker


def _own_redis_db_per_xdist_worker():
    """Under pytest-xdist (`make test`, `make test-fast`) every worker caches, counts and queues in a Redis db of
    its own (tests.support.redis_url_for_worker): the session start flushes that db only. Set here, before any
    test touches the cache; processes the tests start inherit it through the environment."""
    from django.conf import settings
    from django.test.utils import override_settings
    from django_q.conf import Conf

    url = redis_url_for_worker(settings.REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER"))
    if url == settings.REDIS_URL:
        return
    os.environ["REDIS_URL"] = url
    override_settings(  # for the whole session: its setting_changed signal drops the cache connections made so far
        REDIS_URL=url, CACHES={"default": {**settings.CACHES["default"], "LOCATION": url}},
        Q_CLUSTER={**settings.Q_CLUSTER, "redis": url},
    ).enable()
    Conf.REDIS = url


_own_redis_db_per_xdist_worker()


def _one_request_at_a_time_on_shared_sqlite():
    """On SQLite the test database is in memory, and Django's live server hands its request threads that one
    connection (`connections_override`). Two requests at once (a page and its own XHR, an <audio> fetch) then
    interleave statements and transactions on it: a flaky failure seen in the browser tests. The live server
    here runs one request's view at a time on such a connection; on PostgreSQL every thread has its own
    connection and nothing changes."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    class SerialOnSharedConnection(ThreadedWSGIServer):
        def set_app(self, application):
            if not self.connections_override:
                return super().set_app(application)
            lock = threading.Lock()

            def one_at_a_time(environ, start_response):
                with lock:
                    return application(environ, start_response)

            return super().set_app(one_at_a_time)

    LiveServerThread.server_class = SerialOnSharedConnection


_one_request_at_a_time_on_shared_sqlite()


def pytest_collection_modifyitems(config, items):
    from django.conf import settings

    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs Redis (set REDIS_URL)")
    for item in items:
        if "fuzz" in item.path.name:  # tests/**/test_fuzz_*.py: long generated-input runs, left out of test-fast
            item.add_marker(pytest.mark.fuzz)
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


@pytest.fixture(scope="session", autouse=True)
def _empty_redis_cache():
    """On Redis (REDIS_URL) the cache outlives the test database: start every run from an empty Redis db,
    so rate-limit counters or cached lookups of an earlier run never leak in. The database cache needs
    nothing: it lives in the test database."""
    from django.conf import settings

    if settings.REDIS_URL:
        from django.core.cache import cache

        cache.clear()  # FLUSHDB of REDIS_URL's own db number
    yield


_rate_limit_windows = itertools.count(1)


@pytest.fixture(autouse=True)
def _own_rate_limit_window(monkeypatch):
    """Every test counts DNI requests in a minute of its own, as if it started on a minute boundary: counters
    left in a shared cache (Redis, local memory) by an earlier test never use up this test's budget, and a test
    that crosses a real minute boundary never gets a fresh budget halfway. Clearing the cache would do the
    first only, and costs a query with the database cache."""
    window = next(_rate_limit_windows)
    monkeypatch.setattr("dni_snippet.decorators.minute_bucket", lambda: window)


@pytest.fixture(autouse=True)
def _no_website_in_process_memory():
    """Each web process keeps websites in memory for DNI_CONFIG_MAX_AGE_SECONDS: a test starts with none, so
    an earlier test's (rolled back) website is never served to it."""
    from dni_snippet.website_cache import website_cache_forget

    website_cache_forget()
    yield
    website_cache_forget()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # Production hashes with PBKDF2 at a million iterations (~0.7 s a user); tests only need a hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


@pytest.fixture(scope="module")
def chromium_args():
    """Chromium's command line; a module overrides this to add flags (e.g. `--host-resolver-rules`)."""
    return CHROMIUM_ARGS


@pytest.fixture(scope="module")
def chromium(chromium_args):
    """Debian's Chromium driven by Playwright (never `playwright install`), one per browser test module.

    Playwright's sync API keeps an event loop running in this thread while the browser lives, so Django would
    refuse the tests' own (synchronous) ORM calls; DJANGO_ALLOW_ASYNC_UNSAFE is set for exactly that long —
    module scope, so it never leaks into the rest of the session.
    """
    from playwright.sync_api import sync_playwright

    env = pytest.MonkeyPatch()
    env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                                        args=chromium_args, headless=True)
            yield browser
            browser.close()
    finally:
        env.undo()


@pytest.fixture
def account(db):
    return AccountFactory(name="Alice Co")


@pytest.fixture
def other_account(db):
    return AccountFactory(name="Bob Co")


@pytest.fixture
def website(account):
    return WebsiteFactory(account=account, key="alicesite", allowed_origins=["https://alice.example.com"])


@pytest.fixture
def marketer(account):
    return MembershipFactory(account=account, user=UserFactory(username="marketer"), role=Membership.Role.MARKETER).user


@pytest.fixture
def account_admin(account):
    user = UserFactory(username="alice-admin", is_staff=True)
    MembershipFactory(account=account, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def other_admin(other_account):
    user = UserFactory(username="bob-admin", is_staff=True)
    MembershipFactory(account=other_account, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def marketer_client(client, marketer):
    client.force_login(marketer)
    return client


@pytest.fixture
def admin_client_for_account(client, account_admin):
    client.force_login(account_admin)
    return client


@pytest.fixture
def on_postgres():
    return connection.vendor == "postgresql"

"""The DNI hot path's cost is pinned: at most ONE Redis round trip and ONE database round trip per heartbeat,
whatever the website has; the middleware the public endpoints do not need never runs for them."""

import pytest
import redis.client
from django.db import connection
from django.urls import resolve

from core.models import RateCounter
from dni_snippet import middleware as dni_middleware
from tests.dni_snippet.test_assign import heartbeat_body
from trackers.models import Lease


@pytest.fixture
def redis_round_trips(monkeypatch):
    """Counts round trips to Redis: each command sent alone, and each pipeline sent (however many commands)."""
    trips = []
    command, execute = redis.client.Redis.execute_command, redis.client.Pipeline.execute

    def counted_command(self, *args, **kwargs):
        trips.append(args[0])
        return command(self, *args, **kwargs)

    def counted_pipeline(self, *args, **kwargs):
        trips.append("PIPELINE " + " ".join(str(c[0][0]) for c in self.command_stack))
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(redis.client.Redis, "execute_command", counted_command)
    monkeypatch.setattr(redis.client.Pipeline, "execute", counted_pipeline)
    return trips


@pytest.fixture
def database_round_trips(monkeypatch):
    """Every statement the driver sends, also those Django does not log (CONN_HEALTH_CHECKS' `SELECT 1`)."""
    sent = []
    if connection.vendor == "postgresql":
        import psycopg

        cursor_class = psycopg.Cursor  # Django's cursors, the health check's and core.prepared_sql's all inherit it
    else:
        from django.db.backends.sqlite3.base import SQLiteCursorWrapper

        cursor_class = SQLiteCursorWrapper
    execute = cursor_class.execute

    def counted(self, query, *args, **kwargs):
        sent.append(str(query))
        return execute(self, query, *args, **kwargs)

    monkeypatch.setattr(cursor_class, "execute", counted)
    return sent


def _as_after_request_started():
    """What Django's request_started handler does to a kept connection (the test client leaves it out): the
    next query runs the health check first."""
    assert connection.health_check_enabled  # CONN_HEALTH_CHECKS, the production setting
    connection.health_check_done = False


@pytest.mark.redis
def test_a_heartbeat_sends_the_database_one_statement_health_check_included(assign, visitor_pool, source_pool,
                                                                             database_round_trips, redis_round_trips):
    first = assign(body={"page_url": "https://alice.example.com/?gclid=g1"}).json()
    database_round_trips.clear()
    redis_round_trips.clear()
    _as_after_request_started()
    assert assign(body=heartbeat_body(first)).json()["numbers"] == first["numbers"]
    assert len(database_round_trips) == 1 and "UPDATE" in database_round_trips[0]
    assert redis_round_trips == ["PIPELINE GET INCRBY EXPIRE"]


@pytest.mark.parametrize(("idle_seconds", "checks"), [(0, 0), (dni_middleware.HEALTH_CHECK_SKIP_SECONDS + 1, 1)])
def test_only_a_connection_idle_for_a_while_is_health_checked(idle_seconds, checks, assign, visitor_pool,
                                                              monkeypatch):
    first = assign().json()
    later = dni_middleware.clock() + idle_seconds
    monkeypatch.setattr(dni_middleware, "clock", lambda: later)
    usable = []
    monkeypatch.setattr(connection, "is_usable", lambda: usable.append(True) or True)
    _as_after_request_started()
    assert assign(body=heartbeat_body(first)).json()["numbers"] == first["numbers"]
    assert len(usable) == checks


def test_a_connection_that_failed_is_health_checked_on_the_next_request(assign, visitor_pool, monkeypatch):
    first = assign().json()
    connection.errors_occurred = True  # a database error in the last request
    dni_middleware._answered()
    connection.errors_occurred = False
    usable = []
    monkeypatch.setattr(connection, "is_usable", lambda: usable.append(True) or True)
    _as_after_request_started()
    assign(body=heartbeat_body(first))
    assert usable == [True]


def _prepared_lease_updates() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return {name for name, statement in cursor.fetchall() if f"UPDATE {Lease._meta.db_table}" in statement}


@pytest.mark.postgres
def test_the_heartbeat_statement_is_prepared_once_per_connection(assign, visitor_pool, source_pool):
    first = assign().json()
    before = _prepared_lease_updates()
    for _ in range(3):
        assert assign(body=heartbeat_body(first)).json()["numbers"] == first["numbers"]
    assert len(_prepared_lease_updates() - before) == 1


@pytest.mark.postgres
def test_without_prepared_statements_the_heartbeat_is_a_plain_statement(assign, visitor_pool, source_pool,
                                                                       monkeypatch):
    first = assign().json()
    monkeypatch.setattr(connection.connection, "prepare_threshold", None)  # DATABASE_PREPARED_STATEMENTS=false
    before = _prepared_lease_updates()
    assert assign(body=heartbeat_body(first)).json()["numbers"] == first["numbers"]
    assert _prepared_lease_updates() - before == set()


@pytest.mark.parametrize("path", ["/dni/k.js", "/dni/k/assign", "/dni/k/leave", "/dni/k/amp.json"])
def test_the_dni_routes_resolve_to_the_views_of_the_whole_urlconf(path):
    match = dni_middleware.DniDirectMiddleware(lambda request: None)._match(path)
    assert match.func is resolve(path).func and match.func.dni_direct and match.kwargs == {"key": "k"}


@pytest.mark.redis
@pytest.mark.parametrize("kinds", ["visitor", "source", "both"])
def test_a_heartbeat_on_redis_is_one_redis_and_one_database_round_trip(kinds, request, assign, settings,
                                                                       redis_round_trips, django_assert_num_queries):
    assert settings.DNI_RATE_LIMIT  # the production default: the limit is on
    for kind in ("visitor", "source") if kinds == "both" else (kinds,):
        request.getfixturevalue(f"{kind}_pool")
    first = assign(body={"page_url": "https://alice.example.com/?gclid=g1"}).json()
    redis_round_trips.clear()
    with django_assert_num_queries(1):
        r = assign(body=heartbeat_body(first))
    assert r.json()["numbers"] == first["numbers"]
    assert redis_round_trips == ["PIPELINE GET INCRBY EXPIRE"]


@pytest.mark.redis
def test_the_rate_limit_on_redis_still_answers_429(assign, visitor_pool, settings):
    settings.DNI_RATE_LIMIT = 2
    assert [assign().status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.redis
def test_a_change_made_on_another_node_is_seen_on_the_next_request(assign, visitor_pool, redis_round_trips):
    from django.core.cache import cache
    from django.utils import timezone

    from dni_snippet.website_cache import TOKEN_KEY
    from pools.models import Pool

    assert assign().json()["numbers"]
    Pool.objects.filter(pk=visitor_pool.pk).update(retired_at=timezone.now())
    cache.set(TOKEN_KEY, "set-by-another-node", timeout=None)  # what its save signal does
    assert assign().json()["numbers"] == []


def test_a_heartbeat_on_the_default_database_cache_is_two_statements(assign, visitor_pool, source_pool, settings,
                                                                     django_assert_num_queries):
    if settings.REDIS_URL:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                       "LOCATION": "callpool_cache"}}
    first = assign().json()
    # The website from process memory; the rate limit's upsert, then the heartbeat statement.
    with django_assert_num_queries(2) as captured:
        assert assign(body=heartbeat_body(first)).json()["numbers"] == first["numbers"]
    assert "ON CONFLICT" in captured.captured_queries[0]["sql"]
    assert RateCounter.objects.get().count == 2


def test_the_database_rate_limit_answers_429_and_starts_over_each_minute(assign, visitor_pool, settings, monkeypatch):
    if settings.REDIS_URL:
        settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache",
                                       "LOCATION": "callpool_cache"}}
    settings.DNI_RATE_LIMIT = 2
    assert [assign().status_code for _ in range(3)] == [200, 200, 429]
    monkeypatch.setattr("dni_snippet.decorators.minute_bucket", lambda: 10**6)
    assert assign().status_code == 200
    assert RateCounter.objects.get().count == 1


def test_old_rate_counters_are_pruned(assign, visitor_pool, settings):
    from core.rate_limit import rate_count_db, rate_counters_prune

    rate_count_db("a", 5)
    rate_count_db("b", 7)
    assert rate_counters_prune(before_minute=7) == 1
    assert list(RateCounter.objects.values_list("name", flat=True)) == ["b"]


def test_the_dni_endpoints_skip_the_middleware_they_do_not_need(assign, visitor_pool, client):
    r = assign()
    assert r.status_code == 200
    request = r.wsgi_request
    assert not hasattr(request, "session") and not hasattr(request, "user") and not hasattr(request, "_messages")
    assert "sessionid" not in r.cookies and "csrftoken" not in r.cookies
    # SecurityMiddleware still runs.
    assert r["X-Content-Type-Options"] == "nosniff" and r["Referrer-Policy"]


def test_the_bad_text_guard_still_runs_for_the_dni_endpoints(assign, visitor_pool):
    r = assign(body='{"page_url": "https://alice.example.com/\\u0000"}')
    assert r.status_code == 400 and r.json()["error"]["code"] != "BAD_JSON"


def test_other_pages_keep_the_whole_middleware_stack(client, website):
    r = client.get("/dni/demo/")
    assert hasattr(r.wsgi_request, "session") and hasattr(r.wsgi_request, "user")
    assert r["X-Frame-Options"] == "DENY"


def test_an_error_in_a_dni_view_is_still_a_500(assign, visitor_pool, monkeypatch, client):
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("dni_snippet.views.dni_assign", broken)
    client.raise_request_exception = False
    assert assign().status_code == 500


def test_a_new_session_records_visitor_visit_and_first_page_view_alike_on_every_database(assign, visitor_pool):
    from attribution.models import PageView, Visit, Visitor

    body = assign(body={"page_url": "https://alice.example.com/p?utm_source=News&utm_medium=email&gclid=g",
                        "referrer": "https://news.example/", "ga_client_id": "1.2", "page_load": True}).json()
    visit = Visit.objects.select_related("visitor").get()
    visitor = Visitor.objects.get()
    assert visit.visitor == visitor and visitor.uid == body["visitor_id"] and visit.session_uid == body["session_id"]
    assert (visitor.first_source, visitor.first_medium, visitor.first_landing_page) == (
        "news", "email", "https://alice.example.com/p?utm_source=News&utm_medium=email&gclid=g")
    assert visitor.first_seen_at == visitor.last_seen_at == visit.started_at == visit.last_seen_at
    assert (visit.source, visit.medium, visit.gclid, visit.ga_client_id, visit.pageviews, visit.is_bot) == (
        "news", "email", "g", "1.2", 1, False)
    assert visit.channel and visit.landing_page_key and visit.referrer == "https://news.example/"
    assert list(PageView.objects.values_list("visit_id", "path")) == [(visit.pk, "/p")]
    assert visit.leases.get().tracker.tracking_number == body["numbers"][0]["tracking"]

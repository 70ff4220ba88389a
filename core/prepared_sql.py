"""A cursor for the hot path's hand-written statements that PostgreSQL plans once per connection.

Django binds parameters on the client (psycopg's ClientCursor): every execution sends new SQL text and PostgreSQL
plans it again. For the DNI heartbeat, one statement with several subqueries, planning costs about as much server
time as running it. `prepared_cursor()` binds on the server and has psycopg prepare each statement (a named
statement per connection, in psycopg's cache of the connection, prepared again after a rollback or DDL clears it);
later executions send only the parameters.

Off (a plain Django cursor) on other databases and with `DATABASE_PREPARED_STATEMENTS=false` (a connection pooler
that cannot keep prepared statements, such as PgBouncer before 1.21 in transaction mode): the settings then leave
psycopg's `prepare_threshold` at Django's None, which turns preparing off. Statements go through Django's cursor
wrapper either way, so query counts and logs see them. Parameters are bound by the server: `%s` placeholders
only, no `%` in literals, and a value's Python type decides its SQL type.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.db import connection


@contextmanager
def prepared_cursor() -> Iterator:
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()  # what connection.cursor() does first, in this order
    connection.ensure_connection()
    if getattr(connection.connection, "prepare_threshold", None) is None:  # off, or psycopg2 (no such setting)
        with connection.cursor() as cursor:
            yield cursor
        return
    preparing_cursor, timezone_differs, register_tzloader = _postgresql()
    with connection.wrap_database_errors:
        raw = preparing_cursor(connection.connection)
        if timezone_differs(connection):  # as Django's create_cursor does for its own cursors
            register_tzloader(connection.timezone, raw)
    with connection._prepare_cursor(raw) as cursor:  # type: ignore[attr-defined]  # Django's wrapper: thread check, query log
        yield cursor


@cache
def _postgresql():
    """(the preparing cursor class, whether a connection's timestamps need its zone registered, the registrar);
    built on first use, since importing Django's PostgreSQL backend needs psycopg."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.pq import Format

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)  # type: ignore[misc]  # psycopg's Cursor.execute

    def timezone_differs(wrapper) -> bool:
        return wrapper.timezone != wrapper.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT).timezone

    return PreparingCursor, timezone_differs, register_tzloader

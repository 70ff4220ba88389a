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


class CompiledQuery:
    """An ORM queryset compiled to SQL once and run again with other values, through `prepared_cursor`.

    Building a queryset's SQL (resolving its filters, joins and subqueries) costs the ORM milliseconds of CPU each
    time; a hot path that runs the same shape of query on every request builds it once per connection here. The
    queryset is built with a placeholder value (`Slot`) where each request's value goes; every other parameter (the
    query's own constants) is kept as compiled. PostgreSQL only (`compiled_query` says None elsewhere): there the
    ORM passes values to the driver as they are, so a placeholder is found among the compiled parameters by value.

    `rows(**values)` are the queryset's rows as the ORM converts them (tuples, in its select order: what
    `values_list` gives); `instances(**values)` are its model instances, with their `select_related` objects and
    annotations, as iterating the queryset gives them.
    """

    def __init__(self, queryset, slots: dict):
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        names = {value: name for name, value in slots.items()}
        # For each compiled parameter: (the slot's name, None) or (None, the constant).
        self.parameters = [(names[param], None) if _is_slot(param, names) else (None, param) for param in params]
        missing = set(slots) - {name for name, _ in self.parameters if name}
        if missing:
            raise ValueError(f"Slots not found in the compiled query: {sorted(missing)}")
        self.sql, self.compiler, self.db = sql, compiler, queryset.db

    def _params(self, values: dict) -> list:
        return [values[name] if name is not None else constant for name, constant in self.parameters]

    def rows(self, **values) -> list[tuple]:
        with prepared_cursor() as cursor:
            cursor.execute(self.sql, self._params(values))
            fetched = cursor.fetchall()
        return list(self.compiler.results_iter([fetched], tuple_expected=True))

    def instances(self, **values) -> list:
        from django.db.models.query import get_related_populators

        rows = self.rows(**values)
        compiler = self.compiler
        klass_info, select = compiler.klass_info, compiler.select
        model, fields = klass_info["model"], klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        populators = get_related_populators(klass_info, select, self.db)  # type: ignore[call-arg]  # the stubs are ahead of Django 5.2
        objects = []
        for row in rows:
            obj = model.from_db(self.db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in (compiler.annotation_col_map or {}).items():
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects


def _is_slot(param, names: dict) -> bool:
    try:
        return param in names
    except TypeError:  # an unhashable constant (a list: an array parameter) is no slot
        return False


def compiled_query(key, build) -> CompiledQuery | None:
    """The CompiledQuery `build()` makes, built once per database connection (a thread's) and `key`; None when the
    database is not PostgreSQL (the caller then runs its queryset as usual)."""
    if connection.vendor != "postgresql":
        return None
    cache = connection.__dict__.setdefault("_callpool_compiled_queries", {})
    query = cache.get(key)
    if query is None:
        query = cache[key] = build()
    return query

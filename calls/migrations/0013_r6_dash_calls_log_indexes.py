# The calls log at 10 M calls (r6). Indexes are built CONCURRENTLY on PostgreSQL (minutes on tens of millions of
# calls; calls keep being written meanwhile): non-atomic migration.
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class AddIndexConcurrentlyOnPostgres(AddIndexConcurrently):
    """CREATE INDEX CONCURRENTLY on PostgreSQL; a plain CREATE INDEX elsewhere (SQLite in development)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrentlyOnPostgres(RemoveIndexConcurrently):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


# Statistics of the expressions the log's text filters compare (iexact: UPPER(source) = UPPER('bing')): without
# them PostgreSQL guesses 0.5 % for any value and reads a whole date range instead of walking it newest first.
# No index, no cost on writes: ANALYZE keeps them.
FILTER_STATISTICS = ("source", "medium", "channel", "campaign", "term")


def statistics_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in FILTER_STATISTICS:
        schema_editor.execute(f"CREATE STATISTICS IF NOT EXISTS calls_call_upper_{field}_stat "
                              f"ON (upper(({field})::text)) FROM calls_call")
    schema_editor.execute("ANALYZE calls_call")


def statistics_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for field in FILTER_STATISTICS:
        schema_editor.execute(f"DROP STATISTICS IF EXISTS calls_call_upper_{field}_stat")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("calls", "0012_r5_dash_caller_index"),
    ]

    operations = [
        # The calls log sorted by talk time (dashboard.call_columns).
        AddIndexConcurrentlyOnPostgres(
            model_name="call",
            index=models.Index(fields=["account", "talk_seconds", "id"], name="calls_account_talk_idx"),
        ),
        # The log's (account, started_at) index, now with the id (the log's order: started_at, id) and the spam mark
        # (the default log leaves spam out): the page walks it in order, the capped count reads it alone (index-only).
        # Built under a new name, the old one dropped, then renamed: an index on (account, started_at) all along.
        AddIndexConcurrentlyOnPostgres(
            model_name="call",
            index=models.Index(fields=["account", "started_at", "id"], include=["spam"],
                               name="calls_account_started_id_idx"),
        ),
        RemoveIndexConcurrentlyOnPostgres(model_name="call", name="calls_account_started_idx"),
        migrations.RenameIndex(model_name="call", new_name="calls_account_started_idx",
                               old_name="calls_account_started_id_idx"),
        migrations.RunPython(statistics_create, statistics_drop, elidable=True),
    ]

# Built CONCURRENTLY on PostgreSQL (minutes on tens of millions of calls; calls keep being written meanwhile).
from django.contrib.postgres.operations import AddIndexConcurrently
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


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("calls", "0012_r5_dash_caller_index"),
    ]

    operations = [
        # The calls log sorted by talk time, and by source / medium (dashboard.call_columns).
        AddIndexConcurrentlyOnPostgres(
            model_name="call",
            index=models.Index(fields=["account", "talk_seconds", "id"], name="calls_account_talk_idx"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="call",
            index=models.Index(fields=["account", "source", "medium", "id"], name="calls_account_source_idx"),
        ),
    ]

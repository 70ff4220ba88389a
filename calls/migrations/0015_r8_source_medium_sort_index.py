# The calls log sorted by source / medium: (account, source, medium, started_at, id) INCLUDE (spam), so each
# source/medium's calls of a date range are one stretch of the index, in the sort's order. Without it the sort read
# and sorted every call of the range (half a million for a large account's 30 days: seconds). The source and medium
# are written with the call (attribution at its start), so the index costs an insert, not its updates.
# Built CONCURRENTLY on PostgreSQL: non-atomic migration.
import importlib

from django.db import migrations, models

AddIndexConcurrentlyOnPostgres = importlib.import_module(
    "calls.migrations.0013_r6_dash_calls_log_indexes").AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("calls", "0014_r6_dash_source_filter_index"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="call",
            index=models.Index(fields=["account", "source", "medium", "started_at", "id"], include=["spam"],
                               name="calls_acct_source_medium_idx"),
        ),
    ]

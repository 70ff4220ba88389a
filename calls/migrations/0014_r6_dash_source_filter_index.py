# The calls log filtered by source (iexact: UPPER(source) = UPPER('bing'), how report rows drill down): an index in
# that shape, newest first, so a filtered page walks the source's calls instead of the whole date range. The
# source is written with the call (attribution at its start), so the index costs an insert, not its updates.
# Built CONCURRENTLY on PostgreSQL: non-atomic migration.
import importlib

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Upper

AddIndexConcurrentlyOnPostgres = importlib.import_module(
    "calls.migrations.0013_r6_dash_calls_log_indexes").AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("calls", "0013_r6_dash_calls_log_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="call",
            index=models.Index(F("account"), Upper("source"), F("started_at"), F("id"),
                               name="calls_account_upper_source_idx"),
        ),
    ]

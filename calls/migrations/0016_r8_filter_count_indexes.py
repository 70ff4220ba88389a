# The calls log's capped count ("10,000+" / "many") with a source or a pool filter: it had to read each call of the
# range from the table to check the other conditions (spam, status, pool), and ran out of its 20 ms budget. Now the
# index holds what it checks:
# - the source index (account, UPPER(source), started_at, id) also carries the spam mark, the status and the source
#   (PostgreSQL reads an expression index alone only when it holds the column too); rebuilt under a new name, the
#   old one dropped once the new one exists;
# - a pool index (account, pool, started_at, id) carrying the spam mark: a pool's calls newest first.
# Built CONCURRENTLY on PostgreSQL: non-atomic migration.
import importlib

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Upper

concurrent = importlib.import_module("calls.migrations.0013_r6_dash_calls_log_indexes")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("calls", "0015_r8_source_medium_sort_index"),
    ]

    operations = [
        concurrent.AddIndexConcurrentlyOnPostgres(
            model_name="call",
            index=models.Index(F("account"), Upper("source"), F("started_at"), F("id"),
                               include=["spam", "status", "source"],
                               name="calls_acct_upper_source_idx"),
        ),
        concurrent.RemoveIndexConcurrentlyOnPostgres(model_name="call", name="calls_account_upper_source_idx"),
        concurrent.AddIndexConcurrentlyOnPostgres(
            model_name="call",
            index=models.Index(fields=["account", "pool", "started_at", "id"], include=["spam"],
                               name="calls_acct_pool_started_idx"),
        ),
    ]

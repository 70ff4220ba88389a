# The calls log filtered by source and status: (account, UPPER(source), status, started_at, id) INCLUDE (spam,
# source). The capped count of that filter read every call of the source in the range from the source index to keep
# the status's (42 k index entries for 2 k matches over 30 days; 118 k for 4.5 k over a year, past the count's 20 ms
# budget); now it reads the matches alone. Built CONCURRENTLY on PostgreSQL: non-atomic migration.
import importlib

from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Upper

concurrent = importlib.import_module("calls.migrations.0013_r6_dash_calls_log_indexes")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("calls", "0016_r8_filter_count_indexes"),
    ]

    operations = [
        concurrent.AddIndexConcurrentlyOnPostgres(
            model_name="call",
            index=models.Index(F("account"), Upper("source"), F("status"), F("started_at"), F("id"),
                               include=["spam", "source"], name="calls_acct_source_status_idx"),
        ),
    ]

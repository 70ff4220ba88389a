# Attribution read a tracker's leases around a call through (tracker, started_at) with a filter on expires_at: every
# lease the tracker ever had (100 k leases a tracker took the voice webhook to 90 ms, 295 k to 640 ms). The leases
# it needs are the open ones and those released within the pool's lease time: two ranges of (tracker, ended_at).
# Built CONCURRENTLY on PostgreSQL (leases keep being written meanwhile): non-atomic migration.
import importlib

from django.db import migrations, models

concurrent = importlib.import_module("calls.migrations.0013_r6_dash_calls_log_indexes")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("trackers", "0009_lease_tracker_index_the_composite_one_covers"),
    ]

    operations = [
        concurrent.AddIndexConcurrentlyOnPostgres(
            model_name="lease",
            index=models.Index(fields=["tracker", "ended_at"], name="trackers_lease_end_idx"),
        ),
    ]

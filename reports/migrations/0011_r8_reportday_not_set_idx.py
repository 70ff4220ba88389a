# The install page's hint reads an account's "(not set)" keyword rows of a day range: a partial index of those rows
# (few), instead of filtering every keyword row of the range out of dashboard_reportday_range_idx. Built
# CONCURRENTLY on PostgreSQL: non-atomic migration.
import importlib

from django.db import migrations, models

AddIndexConcurrentlyOnPostgres = importlib.import_module(
    "calls.migrations.0013_r6_dash_calls_log_indexes").AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [
        ("reports", "0010_r8_report_span"),
        ("calls", "0013_r6_dash_calls_log_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="reportday",
            index=models.Index(fields=["account", "dimension", "day"], condition=models.Q(key1="(not set)"),
                               name="reports_reportday_not_set_idx"),
        ),
    ]

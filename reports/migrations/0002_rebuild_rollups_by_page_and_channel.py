"""The landing-page rollup was keyed by the full URL and there was no channel rollup: drop the rollup so the
next refresh rebuilds it in full (until then every page reads live from Call/Visit — slower, never wrong)."""

from django.db import migrations


def drop_rollups(apps, schema_editor):
    apps.get_model("reports", "ReportDay").objects.all().delete()
    apps.get_model("reports", "RollupState").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_rollups_moved_from_dashboard"),
        ("calls", "0005_recompute_first_time_callers_by_start_time"),
    ]

    operations = [migrations.RunPython(drop_rollups, migrations.RunPython.noop)]

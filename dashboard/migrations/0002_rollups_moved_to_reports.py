"""The report rollup models now live in the reports app (reports.0001); the tables stay (state only)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0001_report_rollups'),
        ('reports', '0001_rollups_moved_from_dashboard'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='ReportDay'),
                migrations.DeleteModel(name='RollupState'),
            ],
        ),
    ]

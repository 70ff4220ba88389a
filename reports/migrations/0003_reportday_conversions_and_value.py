"""Conversions and their value per report row. Rows rolled up before held no conversions: drop the rollup so the
next refresh rebuilds it in full (until then every page reads live from Call/Visit — slower, never wrong)."""

from decimal import Decimal

from django.db import migrations, models


def drop_rollups(apps, schema_editor):
    apps.get_model("reports", "ReportDay").objects.all().delete()
    apps.get_model("reports", "RollupState").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_website_refused_origins'),
        ('reports', '0002_rebuild_rollups_by_page_and_channel'),
        ('calls', '0006_conversion_rule_outcome'),
    ]

    operations = [
        migrations.RunPython(drop_rollups, migrations.RunPython.noop),
        migrations.AddField(
            model_name='reportday',
            name='conversions',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='reportday',
            name='value',
            field=models.DecimalField(db_default=Decimal('0'), decimal_places=2, default=Decimal('0'), help_text="Sum of the conversions' values, in the account's currency.", max_digits=14),
        ),
        migrations.AddConstraint(
            model_name='reportday',
            constraint=models.CheckConstraint(condition=models.Q(('conversions__lte', models.F('calls')), ('value__gte', 0)), name='reports_reportday_conversions_within_calls'),
        ),
    ]

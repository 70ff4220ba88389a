"""Missed / abandoned / busy-or-failed calls per report row (calls.results). Rows rolled up before held none of
them: drop the rollup (one set-based DELETE each) so the next refresh rebuilds it in full; until then every page
reads live from Call/Visit — slower, never wrong."""

import django.db.models.expressions
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_website_refused_origins'),
        ('reports', '0003_reportday_conversions_and_value'),
    ]

    operations = [
        migrations.RunSQL("DELETE FROM dashboard_reportday", migrations.RunSQL.noop),
        migrations.RunSQL("DELETE FROM dashboard_rollupstate", migrations.RunSQL.noop),
        migrations.AddField(
            model_name='reportday',
            name='abandoned',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='reportday',
            name='busy_or_failed',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='reportday',
            name='missed',
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.AddConstraint(
            model_name='reportday',
            constraint=models.CheckConstraint(condition=models.Q(('calls__gte', django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(django.db.models.expressions.CombinedExpression(models.F('answered'), '+', models.F('missed')), '+', models.F('abandoned')), '+', models.F('busy_or_failed')))), name='reports_reportday_results_within_calls'),
        ),
    ]

"""ReportDay and RollupState move here from the dashboard app so the API and the dashboard share one report
read path. State only: the tables (dashboard_reportday, dashboard_rollupstate) and their data stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0001_initial'),
        ('dashboard', '0001_report_rollups'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='RollupState',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('rolled_through', models.DateField()),
                        ('refreshed_at', models.DateTimeField()),
                        ('account', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.account')),
                    ],
                    options={'db_table': 'dashboard_rollupstate'},
                ),
                migrations.CreateModel(
                    name='ReportDay',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('day', models.DateField(help_text="Day in the account's time zone.")),
                        ('dimension', models.CharField(max_length=20)),
                        ('key1', models.CharField(blank=True, max_length=2000)),
                        ('key2', models.CharField(blank=True, max_length=200)),
                        ('calls', models.PositiveIntegerField(default=0)),
                        ('answered', models.PositiveIntegerField(default=0)),
                        ('first_time', models.PositiveIntegerField(default=0)),
                        ('visits', models.PositiveIntegerField(default=0)),
                        ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.account')),
                        ('website', models.ForeignKey(blank=True, help_text='Empty for calls without a pool.', null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='accounts.website')),
                    ],
                    options={
                        'db_table': 'dashboard_reportday',
                        'indexes': [models.Index(fields=['account', 'dimension', 'day'], name='dashboard_reportday_range_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(('answered__lte', models.F('calls')), ('first_time__lte', models.F('calls'))), name='dashboard_reportday_parts_within_calls')],
                    },
                ),
            ],
        ),
    ]

# The foreign keys' own indexes repeat the leading column of a composite index each (a unique constraint or an index
# of the model): every new session wrote them all. Only those indexes are dropped (AlterField would also drop and
# re-add each foreign key constraint, revalidating every row of these large tables).

import django.db.models.deletion
from django.db import migrations, models

DROPPED = [  # (index, table, column): Django's names for them, the same on every database
    ("attribution_visitor_website_id_604af745", "attribution_visitor", "website_id"),
    ("attribution_visit_website_id_826f68e1", "attribution_visit", "website_id"),
    ("attribution_visit_visitor_id_fef398bb", "attribution_visit", "visitor_id"),
    ("attribution_pageview_visit_id_fb65a933", "attribution_pageview", "visit_id"),
]


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('attribution', '0006_r5_data_visit_bot_index'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"', f'CREATE INDEX "{name}" ON "{table}" ("{column}")')
                for name, table, column in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='pageview',
                    name='visit',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='page_views', to='attribution.visit'),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='visitor',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='visits', to='attribution.visitor'),
                ),
                migrations.AlterField(
                    model_name='visit',
                    name='website',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='visits', to='accounts.website'),
                ),
                migrations.AlterField(
                    model_name='visitor',
                    name='website',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='visitors', to='accounts.website'),
                ),
            ],
        ),
    ]

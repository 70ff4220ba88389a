# Where buying numbers last failed (pool health `cannot_buy_numbers`); nullable and db_default: no backfill, no rewrite.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('pools', '0004_original_number_history'),
    ]

    operations = [
        migrations.AddField(
            model_name='pool',
            name='last_provision_error',
            field=models.CharField(blank=True, db_default='', default='', editable=False, max_length=500),
        ),
        migrations.AddField(
            model_name='pool',
            name='last_provision_error_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
    ]

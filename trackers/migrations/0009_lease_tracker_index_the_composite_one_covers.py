# The lease's tracker index repeats the leading column of trackers_lease_tracker_idx (tracker, started_at): every
# new lease wrote both. Only that index is dropped (AlterField would also drop and re-add the foreign key constraint,
# and with it, on PostgreSQL, the one_open_per_tracker unique index).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('trackers', '0008_lease_pool_for_free_trackers'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL('DROP INDEX IF EXISTS "trackers_lease_tracker_id_49ddfb6e"',
                                  'CREATE INDEX "trackers_lease_tracker_id_49ddfb6e" ON "trackers_lease" ("tracker_id")'),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='lease',
                    name='tracker',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='leases', to='trackers.calltracker'),
                ),
            ],
        ),
    ]

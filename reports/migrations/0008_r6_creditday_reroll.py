"""Data migration (r6): the credited rollup (CreditDay) starts empty, so rolled days would read first-touch and
linear reports as the last session's. Forget how far every account is rolled (RollupState) and any pass under way
(RollupProgress): reports read live until the next scheduled pass, a full one, has re-rolled each day with its
credit. Retention waits for it too (it purges only days a RollupState holds); ReportDay rows stay, so purged days
keep their visit counts."""

from django.db import migrations


def forget_rolled_days(apps, schema_editor):
    apps.get_model("reports", "RollupProgress").objects.all().delete()
    apps.get_model("reports", "RollupState").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0007_r6_creditday_rollup"),
    ]

    operations = [
        migrations.RunPython(forget_rolled_days, migrations.RunPython.noop),
    ]

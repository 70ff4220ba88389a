"""First-time caller = no earlier call (by start time) from that number to that account. Rows written in arrival
order (bulk loads such as the old seed_demo, replays) could disagree: recompute every account's flags in SQL."""

from django.db import migrations
from django.db.models import Exists, OuterRef, Q


def recompute(apps, schema_editor):
    Call = apps.get_model("calls", "Call")
    earlier = Call.objects.filter(account_id=OuterRef("account_id"), caller_number=OuterRef("caller_number")).filter(
        Q(started_at__lt=OuterRef("started_at")) | Q(started_at=OuterRef("started_at"), id__lt=OuterRef("id"))
    )
    Call.objects.exclude(caller_number="").update(is_first_time_caller=~Exists(earlier))
    Call.objects.filter(caller_number="").update(is_first_time_caller=False)


class Migration(migrations.Migration):
    dependencies = [("calls", "0004_call_page_key_channel_backfill")]

    operations = [migrations.RunPython(recompute, migrations.RunPython.noop)]

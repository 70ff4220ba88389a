"""Existing calls take page, channel and keyword from their visit (already backfilled), else derive them
from their own snapshot (source-pool calls: channel from source/medium)."""

from django.db import migrations

from attribution.classification import channel_group, page_key

CHUNK = 2000


def backfill(apps, schema_editor):
    Call = apps.get_model("calls", "Call")
    last = 0
    while True:
        chunk = list(
            Call.objects.filter(pk__gt=last).order_by("pk").select_related("visit")
            .only("source", "medium", "campaign", "term", "landing_page", "landing_page_key", "channel",
                  "visit__landing_page_key", "visit__channel", "visit__term")[:CHUNK]
        )
        if not chunk:
            return
        last = chunk[-1].pk
        changed = []
        for call in chunk:
            if call.visit_id is not None and call.visit is not None:
                new = {"landing_page_key": call.visit.landing_page_key, "channel": call.visit.channel,
                       "term": call.visit.term}
            else:
                new = {"landing_page_key": page_key(call.landing_page),
                       "channel": channel_group(call.source, call.medium, call.campaign) if call.source else "",
                       "term": call.term}
            if any(getattr(call, field) != value for field, value in new.items()):
                for field, value in new.items():
                    setattr(call, field, value)
                changed.append(call)
        Call.objects.bulk_update(changed, ["landing_page_key", "channel", "term"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("calls", "0003_call_page_key_channel_recording"),
        ("attribution", "0004_visit_page_key_channel_backfill"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

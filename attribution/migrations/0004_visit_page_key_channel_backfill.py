"""Existing visits get their page (host + path), their GA4 channel group and the SPEC's keyword rule
(`keyword`/`kw`/`utm_keyword` read from the landing URL; `(not set)` for paid clicks without one,
`(not provided)` for organic search). Chunked by primary key so a large table never sits in memory."""

from django.db import migrations

from attribution.classification import channel_group, keyword_from_url, page_key

CHUNK = 2000
FIELDS = ("landing_page", "source", "medium", "campaign", "term", "landing_page_key", "channel")


def backfill(apps, schema_editor):
    Visit = apps.get_model("attribution", "Visit")
    last = 0
    while True:
        chunk = list(Visit.objects.filter(pk__gt=last).order_by("pk").only(*FIELDS)[:CHUNK])
        if not chunk:
            return
        last = chunk[-1].pk
        changed = []
        for visit in chunk:
            new = {
                "landing_page_key": page_key(visit.landing_page),
                "channel": channel_group(visit.source, visit.medium, visit.campaign),
                "term": visit.term or keyword_from_url(visit.landing_page, visit.medium)[:200],
            }
            if any(getattr(visit, field) != value for field, value in new.items()):
                for field, value in new.items():
                    setattr(visit, field, value)
                changed.append(visit)
        Visit.objects.bulk_update(changed, ["landing_page_key", "channel", "term"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("attribution", "0003_visit_page_key_channel_page_views")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]

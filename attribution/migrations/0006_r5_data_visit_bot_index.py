"""Retention's way to old bot visits (attribution.Visit attr_visit_bot_idx). On PostgreSQL the index is built
CONCURRENTLY: a plain CREATE INDEX would block every DNI insert into a large visit table while it builds."""

from django.db import migrations, models

INDEX = models.Index(fields=["website", "started_at"], name="attr_visit_bot_idx", condition=models.Q(is_bot=True))


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS attr_visit_bot_idx "
            "ON attribution_visit (website_id, started_at) WHERE is_bot"
        )
    else:
        schema_editor.add_index(apps.get_model("attribution", "Visit"), INDEX)


def drop(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS attr_visit_bot_idx")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("attribution", "0005_r5_data_source_days_retention"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="visit", index=INDEX)],
            database_operations=[migrations.RunPython(create, drop)],
        ),
    ]

from django.db import migrations, models


def encrypt_plaintext_secrets(apps, schema_editor):
    from telephony.crypto import encrypt_secret, is_encrypted

    GA4Settings = apps.get_model("integrations", "GA4Settings")
    for row in GA4Settings.objects.exclude(api_secret=""):
        if not is_encrypted(row.api_secret):
            row.api_secret = encrypt_secret(row.api_secret)
            row.save(update_fields=["api_secret"])


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0003_conversions_from_rules"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ga4settings",
            name="api_secret",
            field=models.CharField(max_length=500),
        ),
        migrations.RunPython(encrypt_plaintext_secrets, migrations.RunPython.noop),
    ]

from django.db import migrations, models


def encrypt_plaintext_tokens(apps, schema_editor):
    from telephony.crypto import encrypt_secret, is_encrypted

    TelephonySettings = apps.get_model("telephony", "TelephonySettings")
    for row in TelephonySettings.objects.exclude(twilio_auth_token=""):
        if not is_encrypted(row.twilio_auth_token):
            row.twilio_auth_token = encrypt_secret(row.twilio_auth_token)
            row.save(update_fields=["twilio_auth_token"])


class Migration(migrations.Migration):

    dependencies = [
        ("telephony", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="telephonysettings",
            name="twilio_auth_token",
            field=models.CharField(blank=True, max_length=500),
        ),
        migrations.RunPython(encrypt_plaintext_tokens, migrations.RunPython.noop),
    ]

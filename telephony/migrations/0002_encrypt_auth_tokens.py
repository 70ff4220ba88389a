import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import migrations, models

# A frozen copy of telephony.crypto as of this migration (migrations never import app code): the same key, the
# same "fernet:" prefix, so telephony.crypto reads what this writes.
PREFIX = "fernet:"


def _fernet():
    key = getattr(settings, "TELEPHONY_ENCRYPTION_KEY", "")
    if not key:
        digest = hashlib.sha256(b"callpool.telephony.secrets:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def encrypt_secret(plain):
    return PREFIX + _fernet().encrypt(plain.encode()).decode() if plain else ""


def is_encrypted(stored):
    return stored.startswith(PREFIX)



def encrypt_plaintext_tokens(apps, schema_editor):
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

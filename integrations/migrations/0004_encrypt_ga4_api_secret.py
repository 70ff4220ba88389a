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



def encrypt_plaintext_secrets(apps, schema_editor):
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

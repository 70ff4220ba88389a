import base64
import hashlib

from cryptography.fernet import Fernet
from django.conf import settings
from django.db import migrations, transaction

# A frozen copy of telephony.crypto as of this migration (migrations never import app code): the same key, the
# same "fernet:" prefix, so telephony.crypto reads what this writes.
PREFIX = "fernet:"
CHUNK = 2000


def _fernet():
    key = getattr(settings, "TELEPHONY_ENCRYPTION_KEY", "")
    if not key:
        digest = hashlib.sha256(b"callpool.telephony.secrets:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def _encrypted(value, fernet):
    if not value or value.startswith(PREFIX):
        return value
    return PREFIX + fernet.encrypt(value.encode()).decode()


def encrypt_webhook_secrets(apps, schema_editor):
    """Per chunk of ids, each in its own transaction; idempotent (encrypted values are left as they are), so an
    interrupted run resumes."""
    WebhookEndpoint = apps.get_model("integrations", "WebhookEndpoint")
    fernet = _fernet()
    last_id = 0
    while True:
        with transaction.atomic():
            rows = list(WebhookEndpoint.objects.filter(pk__gt=last_id).order_by("pk")
                        .only("pk", "secret_encrypted", "previous_secret_encrypted")[:CHUNK])
            if not rows:
                return
            for row in rows:
                secret = _encrypted(row.secret_encrypted, fernet)
                previous = _encrypted(row.previous_secret_encrypted, fernet)
                if (secret, previous) != (row.secret_encrypted, row.previous_secret_encrypted):
                    WebhookEndpoint.objects.filter(pk=row.pk).update(secret_encrypted=secret,
                                                                     previous_secret_encrypted=previous)
            last_id = rows[-1].pk


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("integrations", "0008_h1_webhook_secret_encrypted_schema"),
    ]

    operations = [
        migrations.RunPython(encrypt_webhook_secrets, migrations.RunPython.noop),
    ]

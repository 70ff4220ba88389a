from django.db import migrations, models

import integrations.models


class Migration(migrations.Migration):
    """Webhook signing secrets are stored encrypted (0009 encrypts the existing ones, 0010 adds the check).

    The columns keep their names ("secret", "previous_secret") and only grow to hold Fernet ciphertext; in the code
    they are `secret_encrypted`/`previous_secret_encrypted`, read through the `secret`/`previous_secret` properties.
    Between this migration and the restart the old code cannot read an encrypted secret: its sends fail and are
    retried by the outbox after the restart (nothing is sent unsigned or lost)."""

    dependencies = [
        ("integrations", "0007_outbox_due"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="webhookendpoint", name="integrations_webhookendpoint_secret_prefix"),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(model_name="webhookendpoint", old_name="secret", new_name="secret_encrypted"),
                migrations.RenameField(model_name="webhookendpoint", old_name="previous_secret",
                                       new_name="previous_secret_encrypted"),
                migrations.AlterField(
                    model_name="webhookendpoint", name="secret_encrypted",
                    field=models.CharField(db_column="secret", default=integrations.models.generate_encrypted_webhook_secret,
                                           editable=False, max_length=500),
                ),
                migrations.AlterField(
                    model_name="webhookendpoint", name="previous_secret_encrypted",
                    field=models.CharField(blank=True, db_column="previous_secret", editable=False, max_length=500),
                ),
            ],
            database_operations=[
                migrations.AlterField(
                    model_name="webhookendpoint", name="secret",
                    field=models.CharField(default=integrations.models.generate_encrypted_webhook_secret, editable=False,
                                           max_length=500),
                ),
                migrations.AlterField(
                    model_name="webhookendpoint", name="previous_secret",
                    field=models.CharField(blank=True, editable=False, max_length=500),
                ),
            ],
        ),
    ]

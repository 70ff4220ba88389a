from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("integrations", "0009_h1_encrypt_webhook_secrets"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="webhookendpoint",
            constraint=models.CheckConstraint(condition=models.Q(secret_encrypted__startswith="fernet:"),
                                              name="integrations_webhookendpoint_secret_encrypted"),
        ),
    ]

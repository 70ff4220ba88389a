from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("reports", "0008_r6_creditday_reroll"),
    ]

    operations = [
        migrations.AddField(
            model_name="rollupstate",
            name="partial_until",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]

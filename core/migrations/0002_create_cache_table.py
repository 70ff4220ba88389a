"""`migrate` alone readies a database: create the DatabaseCache table(s) the rate limiter counts in.

Before this, only `make run` called `createcachetable`, so a fresh production deploy (migrate, gunicorn)
answered 500 on every DNI assign. `createcachetable` is idempotent and does nothing for other cache backends
(Redis), so running it from a migration is safe everywhere.
"""

from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop, elidable=False)]

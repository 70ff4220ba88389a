"""`manage.py rollup_reports [--account NAME] [--full]`: refresh the dashboard's daily report rollup."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Account
from reports.services import rollup_refresh


class Command(BaseCommand):
    help = "Recompute the dashboard's daily report rows (recent days, or everything with --full)."

    def add_arguments(self, parser):
        parser.add_argument("--account", help="Only this account (name).")
        parser.add_argument("--full", action="store_true", help="Recompute every day, not only recent ones.")

    def handle(self, *args, **options):
        accounts = Account.objects.all()
        if options["account"]:
            accounts = accounts.filter(name=options["account"])
            if not accounts.exists():
                raise CommandError(f"No account named {options['account']!r}")
        total = 0
        for account in accounts:
            rows = rollup_refresh(account=account, full=options["full"])
            self.stdout.write(f"{account.name}: {rows} rows")
            total += rows
        self.stdout.write(f"{total} rows")

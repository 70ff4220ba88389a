"""`manage.py purge_expired_rows [--dry-run] [--account NAME] [--batch-size N]`: what the retention schedule does."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Account
from reports.retention import BATCH_SIZE, retention_purge


class Command(BaseCommand):
    help = ("Delete raw visits (with page views and leases) and call events older than VISIT_RETENTION_DAYS whose days "
            "the rollups hold, in batches. Calls and their attribution are kept.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")
        parser.add_argument("--account", help="Only this account (name).")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="Visits (or calls) per transaction.")

    def handle(self, *args, dry_run=False, account=None, batch_size=BATCH_SIZE, **options):
        only = None
        if account:
            only = Account.objects.filter(name=account).first()
            if only is None:
                raise CommandError(f"No account named {account!r}")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        counts = retention_purge(now=timezone.now(), dry_run=dry_run, account=only, batch_size=batch_size)
        verb = "would delete" if dry_run else "deleted"
        visitors = "" if dry_run else f", {counts.visitors} visitors"
        self.stdout.write(
            f"{verb} {counts.visits} visits, {counts.page_views} page views, {counts.leases} leases{visitors}, "
            f"{counts.call_events} call events older than {settings.VISIT_RETENTION_DAYS} days"
            + ("" if dry_run else f" in {counts.batches} batches")
        )

from django.core.management.base import BaseCommand, CommandError

from core.actors import Actor
from core.errors import DomainError
from core.phones import phone_display
from pools.models import Pool
from pools.selectors import pool_find
from pools.services import pool_provision


class Command(BaseCommand):
    help = "Buy numbers from the pool's account provider and add them to the pool as trackers."

    def add_arguments(self, parser):
        parser.add_argument("--pool", required=True, help="Pool id or name")
        parser.add_argument("--count", type=int, required=True)

    def handle(self, *args, pool, count, **options):
        try:
            found = pool_find(ref=pool)
        except Pool.DoesNotExist:
            raise CommandError(f"No pool with id or name “{pool}”.") from None
        except Pool.MultipleObjectsReturned:
            raise CommandError(f"Several pools are named “{pool}”; use the id.") from None
        try:
            trackers = pool_provision(pool=found, count=count, actor=Actor.process("provision_numbers"))
        except DomainError as exc:
            raise CommandError(exc.message) from None
        for tracker in trackers:
            self.stdout.write(f"{phone_display(tracker.tracking_number)}  {tracker.tracking_number}  {tracker.status}")
        self.stdout.write(f"{len(trackers)} trackers added to {found.name}")

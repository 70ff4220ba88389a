from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.actors import Actor
from core.errors import DomainError
from core.phones import phone_display
from pools.models import Pool
from pools.planner import CANNOT_BUY_ADVICE, PlannedAction, PoolDiagnosis, sm
from pools.selectors import pool_diagnose, pool_find, pools_to_enforce
from pools.services import PoolCannotBuyNumbers, pool_enforce


class Command(BaseCommand):
    help = "Apply the automated-pool rules now (what the scheduled task does) and print every action with its reason."

    def add_arguments(self, parser):
        parser.add_argument("--pool", help="Only this pool (id or name). Default: every pool the engine looks after.")
        parser.add_argument("--dry-run", action="store_true", help="Print the plan without applying it.")

    def handle(self, *args, pool=None, dry_run=False, **options):
        now = timezone.now()
        total = 0
        for found in self.pools(pool):
            actions, failure = self.enforce(found, now=now, dry_run=dry_run)
            self.print_pool(found, actions, dry_run=dry_run)
            if failure is not None:
                self.print_cannot_buy(found, failure)
            self.print_diagnosis(found, self.diagnose(found, now=now))
            total += len(actions)
        self.stdout.write(f"{total} actions" + (" (dry run, nothing changed)" if dry_run and total else ""))

    def pools(self, ref: str | None) -> list[Pool]:
        if ref is None:
            return list(pools_to_enforce())
        if not ref.strip():
            raise CommandError("--pool needs a pool id or name.")
        try:
            return [pool_find(ref=ref.strip())]
        except Pool.DoesNotExist:
            raise CommandError(f"No pool with id or name “{ref}”.") from None
        except Pool.MultipleObjectsReturned:
            raise CommandError(f"Several pools are named “{ref}”; use the id.") from None

    def enforce(self, pool: Pool, *, now, dry_run: bool) -> tuple[list[PlannedAction], PoolCannotBuyNumbers | None]:
        """The actions taken and, when the pool could not get the numbers it needs, why (the run goes on)."""
        try:
            return pool_enforce(pool=pool, now=now, dry_run=dry_run, actor=Actor.process("enforce_pools")), None
        except PoolCannotBuyNumbers as exc:
            return exc.actions, exc
        except DomainError as exc:
            raise CommandError(f"{pool.name}: {exc.message}") from None

    def print_cannot_buy(self, pool: Pool, failure: PoolCannotBuyNumbers) -> None:
        self.stdout.write(f"Pool “{pool.name}” (#{pool.pk}) cannot get numbers: {failure.reason} {CANNOT_BUY_ADVICE}")

    def print_pool(self, pool: Pool, actions: list[PlannedAction], *, dry_run: bool) -> None:
        if not actions:
            return
        verb = "would take" if dry_run else "took"
        self.stdout.write(f"Pool “{pool.name}” (#{pool.pk}) {verb} {len(actions)} actions:")
        for action in actions:
            self.stdout.write("  " + self.format_action(action))

    @staticmethod
    def format_action(action: PlannedAction) -> str:
        number = phone_display(action.tracking_number) if action.tracking_number else "(new number)"
        return f"{number:<16} {action.action:<8} {action.reason}"

    @staticmethod
    def diagnose(pool: Pool, *, now) -> PoolDiagnosis:
        # After a real run this describes the pool as the run left it; after --dry-run, as the plan would.
        # Only automated source pools in service have a top list to explain.
        if pool.kind != Pool.Kind.AUTOMATED or pool.tracking != Pool.Tracking.SOURCE or pool.is_retired:
            return PoolDiagnosis()
        return pool_diagnose(pool=pool, now=now)[1]

    def print_diagnosis(self, pool: Pool, diagnosis: PoolDiagnosis) -> None:
        """The FAQ's "why is my pool not activating?": waiting top sources, then the sub-threshold ones."""
        if not diagnosis.explains_something:
            return
        if diagnosis.max_active == 0:
            self.stdout.write(f"Pool “{pool.name}” (#{pool.pk}) activates nothing: size × utilization is 0.")
        if diagnosis.waiting:
            self.stdout.write(f"Pool “{pool.name}” (#{pool.pk}) cannot follow its rules: "
                              f"{len(diagnosis.waiting)} source/mediums on its top list have no tracker:")
            for item in diagnosis.waiting:
                self.stdout.write("  " + self.format_waiting(item))
        if diagnosis.below and diagnosis.has_room and not diagnosis.waiting:
            self.stdout.write(f"Pool “{pool.name}” (#{pool.pk}) has {len(diagnosis.top)} of {diagnosis.max_active} "
                              f"possible source/mediums on its top list; the others have too few visits:")
        if diagnosis.below and (diagnosis.has_room or diagnosis.waiting):
            counts = ", ".join(f"{sm(c.source, c.medium)} {c.visits}" for c in diagnosis.below)
            self.stdout.write(f"  under {diagnosis.min_visits} visits in {pool.visit_window_days} days "
                              f"(not on the top list): {counts}")

    @staticmethod
    def format_waiting(item) -> str:
        text = f"{sm(item.source, item.medium)} ({item.visits} visits): {item.reason}"
        if item.frees_at is not None:
            text += f" ({phone_display(item.next_number)}) on {item.frees_at:%Y-%m-%d %H:%M} UTC"
        return text

"""django-q2 entry points (stable dotted paths; arguments are ids only). The logic is in pools.services."""

from django.utils import timezone

from core.queue import wake_on_commit
from pools.fallbacks import pool_fallbacks_update, pools_fallbacks_retry
from pools.peaks import pool_peaks_roll
from pools.services import pool_enforce_by_id, pools_enforce_all, pools_sample_concurrency

PEAKS_TASK = "pools.tasks.roll_pool_peaks"
# Inside the worker's task timeout (Q_CLUSTER["timeout"], 60 s): a long catch-up goes on in the continuation.
PEAKS_BUDGET_SECONDS = 40


def enforce_all_pools() -> int:
    return pools_enforce_all()


def enforce_pool(pool_id: int) -> int:
    return pool_enforce_by_id(pool_id=pool_id)


def sample_pool_concurrency() -> int:
    return pools_sample_concurrency()


def update_tracker_fallbacks(pool_id: int) -> int:
    return pool_fallbacks_update(pool_id=pool_id)


def update_pending_tracker_fallbacks() -> int:
    return pools_fallbacks_retry()


def roll_pool_peaks() -> int:
    """A run out of time (a first roll of a long history) queues its continuation at once instead of waiting for the
    next schedule: the pages read the pool's leases live until the roll catches up."""
    rolled = pool_peaks_roll(now=timezone.now(), budget_seconds=PEAKS_BUDGET_SECONDS)
    if not rolled.finished:
        wake_on_commit(PEAKS_TASK)
    return rolled.pieces

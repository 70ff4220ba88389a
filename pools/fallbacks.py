"""The provider-side fallback follows the pool's original number (SPEC "Telephony", issue 22 item 7).

Every bought number has a `voice_fallback_url` (telephony.fallback: a Twimlet dialling the original)
that the provider uses when callpool is down. When a pool's original number changes, pool_update marks
the pool pending (`fallback_pending_since`) and queues `pools.tasks.update_tracker_fallbacks`; this
service points each live tracker's fallback at the new original, outside any transaction (provider
network I/O), one tracker at a time, recording on the tracker what its fallback now dials
(`fallback_number`). Running it again only retries what is left, so the task and the scheduled sweep
(`update_pending_tracker_fallbacks`, the retry) are idempotent. A provider failure keeps the pool
pending with the error for the pool page.
"""

import logging

from pools.models import Pool
from pools.selectors import pool_fallbacks_outdated
from telephony.fallback import forward_fallback_url
from telephony.providers import NumberProvider, ProviderError, provider_for_account
from trackers.models import CallTracker

logger = logging.getLogger(__name__)


def pool_fallbacks_update(*, pool_id: int) -> int:
    """Point the fallback of every outdated tracker of a pending pool at its original; returns how many
    were updated. Clears the pool's pending marker once none is left (and the original did not change
    meanwhile); on a provider failure keeps it, with the error."""
    pool = Pool.objects.select_related("account").filter(pk=pool_id).first()
    if pool is None or pool.fallback_pending_since is None:
        return 0
    target = pool.original_number
    url = forward_fallback_url(target)
    providers: dict[str, NumberProvider] = {}
    updated, error = 0, ""
    for tracker in pool_fallbacks_outdated(pool=pool):
        try:
            if tracker.provider not in providers:
                providers[tracker.provider] = provider_for_account(pool.account, name=tracker.provider)
            providers[tracker.provider].set_fallback(provider_id=tracker.provider_number_id, fallback_url=url)
        except ProviderError as exc:
            error = error or f"{tracker.tracking_number}: {exc}"
            logger.warning("pool %s: updating the fallback of %s failed: %s", pool.pk, tracker.tracking_number, exc)
            continue
        # Conditional: a concurrent release (deleted_at) or a newer target is left alone.
        updated += CallTracker.objects.filter(pk=tracker.pk, deleted_at__isnull=True).update(fallback_number=target)
    if error:
        Pool.objects.filter(pk=pool.pk, original_number=target).update(fallback_error=error[:500])
        return updated
    if not pool_fallbacks_outdated(pool=pool).exists():
        Pool.objects.filter(pk=pool.pk, original_number=target).update(fallback_pending_since=None, fallback_error="")
    return updated


def pools_fallbacks_retry() -> int:
    """The scheduled retry: every pool still pending, each on its own. One failing pool does not stop the others."""
    total = 0
    for pool_id in Pool.objects.filter(fallback_pending_since__isnull=False).values_list("pk", flat=True):
        try:
            total += pool_fallbacks_update(pool_id=pool_id)
        except Exception:
            logger.exception("updating the fallbacks of pool %s failed", pool_id)
    return total

"""The pools app's periodic jobs (registered by core.schedules after every migrate)."""

from django.conf import settings


def schedules() -> list[dict]:
    return [
        {"name": "enforce automated pools", "func": "pools.tasks.enforce_all_pools",
         "minutes": settings.POOLS_ENFORCE_EVERY_MINUTES},
        # The retry of the fallback update queued when a pool's original number changes (pools.fallbacks).
        {"name": "update pending tracker fallbacks", "func": "pools.tasks.update_pending_tracker_fallbacks",
         "minutes": 5},
        {"name": "sample visitor pool concurrency", "func": "pools.tasks.sample_pool_concurrency", "minutes": 1},
        # Visitor pools' daily peak concurrency (pools.peaks); pages read what follows the rolled part live, so a late
        # run is slower, never wrong.
        {"name": "roll up visitor pool peaks", "func": "pools.tasks.roll_pool_peaks", "minutes": 15},
    ]

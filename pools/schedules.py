"""The pools app's periodic jobs (registered by core.schedules after every migrate)."""

from django.conf import settings


def schedules() -> list[dict]:
    return [
        {"name": "enforce automated pools", "func": "pools.tasks.enforce_all_pools",
         "minutes": settings.POOLS_ENFORCE_EVERY_MINUTES},
        {"name": "sample visitor pool concurrency", "func": "pools.tasks.sample_pool_concurrency", "minutes": 1},
    ]

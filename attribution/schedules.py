"""The attribution app's periodic jobs (registered by core.schedules after every migrate)."""


def schedules() -> list[dict]:
    # The rules engine's daily source counts (attribution.source_counts). A late run costs the engine a longer live
    # scan of the days not counted yet, never a wrong count.
    return [{"name": "count visits per source and day", "func": "attribution.tasks.count_source_days", "minutes": 30}]

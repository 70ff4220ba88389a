"""The calls app's periodic jobs (registered by core.schedules after every migrate)."""


def schedules() -> list[dict]:
    # Ended calls whose other leg never reported turn final CALL_SETTLE_SECONDS after the first end.
    return [{"name": "settle ended calls", "func": "calls.tasks.settle_calls", "minutes": 1}]

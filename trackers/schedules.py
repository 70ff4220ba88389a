"""The trackers app's periodic jobs (registered by core.schedules after every migrate)."""


def schedules() -> list[dict]:
    # Leases that lapsed without a heartbeat get their end time, and their numbers go back in rotation.
    return [{"name": "release expired leases", "func": "trackers.tasks.release_expired_leases", "minutes": 5}]

"""The notifications app's periodic jobs (registered by core.schedules after every migrate)."""


def schedules() -> list[dict]:
    return [
        # The outbox sweeper: messages a lost wake-up or a retry left pending.
        {"name": "send due notifications", "func": "notifications.tasks.send_due", "minutes": 1},
        # Each account's summaries and scheduled reports go out from 07:00 in its time zone; the once-marker makes a
        # period once-only however often this runs (so a worker that was down catches up).
        {"name": "queue summary emails", "func": "notifications.tasks.queue_summaries", "minutes": 15},
        {"name": "queue scheduled reports", "func": "notifications.tasks.queue_scheduled_reports", "minutes": 15},
    ]

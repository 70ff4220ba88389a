"""The reports app's periodic jobs (registered by core.schedules after every migrate)."""


def schedules() -> list[dict]:
    return [
        # Finished days of the reports; pages read today live, so a late run is slower, not wrong.
        {"name": "rollup dashboard reports", "func": "reports.tasks.rollup_reports", "minutes": 15},
        # reports.retention: raw rows past VISIT_RETENTION_DAYS, in batches, a backlog over several runs.
        {"name": "delete raw rows past retention", "func": "reports.tasks.purge_expired_rows", "minutes": 15},
    ]

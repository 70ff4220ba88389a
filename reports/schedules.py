"""The reports app's periodic jobs (registered by core.schedules after every migrate)."""


def schedules() -> list[dict]:
    # Finished days of the reports; pages read today live, so a late run is slower, not wrong.
    return [{"name": "rollup dashboard reports", "func": "reports.tasks.rollup_reports", "minutes": 15}]

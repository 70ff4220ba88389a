"""The integrations app's periodic jobs (registered by core.schedules after every migrate)."""


def schedules() -> list[dict]:
    # The outbox sweeper: webhook deliveries and GA4 events that are due and were not sent (a lost wake-up, a
    # broker outage, a retry whose schedule was lost) go out from here.
    return [
        {"name": "send due integrations", "func": "integrations.tasks.send_due", "minutes": 1},
        # While Google Ads is connected: keywords of auto-tagged clicks from click_view, once a day.
        {"name": "google ads keyword backfill", "func": "integrations.tasks.google_ads_keyword_backfill", "minutes": 24 * 60},
    ]

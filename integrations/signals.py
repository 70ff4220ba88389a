"""An integration keeps failing (sent inside the transaction that recorded the failure; no network in listeners).

kwargs: account_id, key (stable for one failure: listeners make it once-only), title, detail. Sent when a webhook
endpoint is disabled after failing deliveries, and when GA4 rejects or never answers a conversion event (one key
per data stream and day)."""

from django.dispatch import Signal

integration_failing = Signal()

"""Signals other apps listen to without this app importing them (webhooks, dashboards).

Sent after the transaction commits, so listeners only see changes that happened.
"""

from django.dispatch import Signal

# kwargs: tracker_id, from_status, to_status, reason
tracker_status_changed = Signal()

"""Side effects run after the transaction commits, on the django-q2 worker (never inside a transaction)."""

import logging

from django.db import transaction
from django_q.tasks import async_task

logger = logging.getLogger(__name__)


def enqueue_on_commit(func: str, *args) -> None:
    """Queue `func` (a stable dotted path) with `args` (ids and strings: django-q2 stores them as text)
    once the current transaction commits; at once outside a transaction. A rollback queues nothing."""
    transaction.on_commit(lambda: async_task(func, *args))


def wake_on_commit(func: str, *args) -> None:
    """Like enqueue_on_commit, for work that a row already records (an outbox row) and a scheduled sweeper
    picks up anyway: the task only wakes the worker early. A broker that is down is logged, never raised, so
    the caller's committed change stands and the sweeper sends it once the broker is back."""

    def wake():
        try:
            async_task(func, *args)
        except Exception as exc:
            logger.warning("Queue unavailable (%s: %s); %s%r waits for the sweeper.", type(exc).__name__, exc, func, args)

    transaction.on_commit(wake)

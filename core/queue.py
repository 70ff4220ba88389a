"""Side effects run after the transaction commits, on the django-q2 worker (never inside a transaction)."""

from django.db import transaction
from django_q.tasks import async_task


def enqueue_on_commit(func: str, *args) -> None:
    """Queue `func` (a stable dotted path) with `args` (ids and strings: django-q2 stores them as text)
    once the current transaction commits; at once outside a transaction. A rollback queues nothing."""
    transaction.on_commit(lambda: async_task(func, *args))

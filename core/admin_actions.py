"""The admin's "call a service for each selected object" loop, in one place."""

from collections.abc import Callable, Iterable

from django.contrib import messages

from core.errors import DomainError


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """ "1 pool", "0 pools", "2 pools" (`plural_form` for irregular words)."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def _count(result) -> int:
    if isinstance(result, bool):
        return int(result)
    if isinstance(result, int):
        return result
    if isinstance(result, list | tuple | set):
        return len(result)
    return 1  # None or the changed object


def run_service_per_object(modeladmin, request, objects: Iterable, service: Callable, *, done: str | Callable[[int], str]) -> int:
    """Call `service(obj)` for each object. A DomainError is shown against its object and the loop goes on.

    The results add up (an int counts itself, a list its length, False none, anything else one) and
    `done` is shown with `{total}` filled in, or called with the total (to pluralise). Returns the total."""
    total = 0
    for obj in objects:
        try:
            total += _count(service(obj))
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
    modeladmin.message_user(request, done(total) if callable(done) else done.format(total=total), messages.SUCCESS)
    return total

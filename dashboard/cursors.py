"""Keyset cursors of the calls log: `after=<microseconds since epoch>.<id>` in the query string."""

import re
from datetime import UTC, datetime, timedelta

from calls.models import Call

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def cursor_encode(call: Call) -> str:
    """"<microseconds since epoch>.<id>": exact, so a page boundary never skips or repeats a call."""
    return f"{(call.started_at - EPOCH) // timedelta(microseconds=1)}.{call.pk}"


def cursor_decode(raw: str) -> tuple[datetime, int] | None:
    match = re.fullmatch(r"(\d{1,17})\.(\d{1,12})", raw or "")
    if not match:
        return None
    micros, pk = int(match.group(1)), int(match.group(2))
    try:
        moment = EPOCH + timedelta(microseconds=micros)
    except OverflowError:
        return None
    return moment, pk

"""A port between calls and transcripts: whether a voicemail should ask the provider to transcribe it.

The voicemail's <Record> is built in calls; whether the account chose the provider's transcription is a transcripts
setting, and transcripts sits above calls. Transcripts registers its answer here at startup (TranscriptsConfig.ready)
and calls asks, only when it is about to take a voicemail (never on the plain call path)."""

from collections.abc import Callable

_answer: list[Callable[..., str]] = []


def register_voicemail_transcription(answer: Callable[..., str]) -> None:
    """`answer(account_id=, webhook_prefix=)` → the transcription callback URL, or "" for none."""
    _answer[:] = [answer]


def voicemail_transcribe_callback(*, account_id: int, webhook_prefix: str) -> str:
    return _answer[0](account_id=account_id, webhook_prefix=webhook_prefix) if _answer else ""

"""Whether a phrase was said, from a transcript's text and the phrases keyword spotting heard — one definition for
the calls log's `said:` filter, the API and automation rules' `said` condition (`{"field": "said", "op":
"contains", "value": "financing"}`).

A phrase matches whole words in order, ignoring case and punctuation ("water heater" is in "…a new Water-Heater."
but "cat" is not in "category"); or it is among the phrases the recognizer's keyword spotting heard (the local
backend spots an account's key phrases in the audio itself, which finds some a misheard transcript lacks).
"""

from collections.abc import Iterable


def normalize_words(text: str) -> str:
    """Lower case, letters/digits/apostrophes, single spaces."""
    kept = "".join(c if c.isalnum() or c == "'" else " " for c in (text or "").lower())
    return " ".join(kept.split())


def phrase_said(phrase: str, *, text: str, heard: Iterable[str] = ()) -> bool:
    """`phrase` is in `text` as whole words, or keyword spotting `heard` it. An empty phrase is never said."""
    wanted = normalize_words(phrase)
    if not wanted:
        return False
    if wanted in {normalize_words(h) for h in heard}:
        return True
    return f" {wanted} " in f" {normalize_words(text)} "


def phrases_said(phrases: Iterable[str], *, text: str, heard: Iterable[str] = ()) -> list[str]:
    """The phrases of `phrases` that were said (in their given order; for a rule's `in` operator: any of them)."""
    heard = list(heard)
    return [phrase for phrase in phrases if phrase_said(phrase, text=text, heard=heard)]

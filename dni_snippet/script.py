"""The served script: the static source minified (comments and whitespace: rjsmin, no renaming) with the
website's config inlined."""

import json
from functools import lru_cache
from pathlib import Path

import phonenumbers
import rjsmin

SOURCE = Path(__file__).resolve().parent / "static" / "dni_snippet" / "callpool.js"
PLACEHOLDER = "__CALLPOOL_CONFIG__"


@lru_cache(maxsize=1)
def _template() -> str:
    return rjsmin.jsmin(SOURCE.read_text())


def script_config(*, key: str, originals: list[str], aliases: dict[str, str] | None = None) -> dict:
    """`o`: one [country code, national number] per number to swap. An older original of a pool (a key of
    `aliases`) carries a third item, the digits of the pool's current original: the assign answer names
    only current originals, and the old number is swapped for the same tracking number."""
    pairs = []
    for e164 in dict.fromkeys(originals):
        pairs.append(_split(e164))
    for old, current in (aliases or {}).items():
        if old in originals or old == current:
            continue
        pairs.append([*_split(old), "".join(_split(current))])
    return {"o": pairs, "a": f"/dni/{key}/assign"}


def _split(e164: str) -> list[str]:
    number = phonenumbers.parse(e164, None)
    return [str(number.country_code), str(number.national_number)]


def snippet_source(config: dict) -> str:
    return _template().replace(PLACEHOLDER, json.dumps(config, separators=(",", ":")))

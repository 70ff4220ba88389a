"""The served script: the static source with the website's config inlined, comments and indentation stripped."""

import json
import re
from functools import lru_cache
from pathlib import Path

import phonenumbers

SOURCE = Path(__file__).resolve().parent / "static" / "dni_snippet" / "callpool.js"
PLACEHOLDER = "__CALLPOOL_CONFIG__"


@lru_cache(maxsize=1)
def _template() -> str:
    text = SOURCE.read_text()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    lines = (line.strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line and not line.startswith("//"))


def script_config(*, key: str, originals: list[str]) -> dict:
    pairs = []
    for e164 in dict.fromkeys(originals):
        number = phonenumbers.parse(e164, None)
        pairs.append([str(number.country_code), str(number.national_number)])
    return {"o": pairs, "a": f"/dni/{key}/assign"}


def snippet_source(config: dict) -> str:
    return _template().replace(PLACEHOLDER, json.dumps(config, separators=(",", ":")))

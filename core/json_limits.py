"""Limits on JSON request bodies, checked on the raw bytes before anything parses them.

Python's JSON decoder parses thousands of nested brackets, but every recursive walk over the result afterwards
(validation, our own text checks, logging) overflows the stack: a 6 KB body of nested arrays used to answer
500 with a traceback of ~130 KB. No body callpool accepts nests deeper than a few levels, so deeper ones are
refused before parsing, by counting brackets outside string literals.
"""

import json
import re
from itertools import accumulate

JSON_MAX_DEPTH = 32
JSON_MAX_BODY_BYTES = 256 * 1024

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}


class JsonTooDeep(ValueError):
    pass


def json_depth_exceeds(body: bytes, limit: int = JSON_MAX_DEPTH) -> bool:
    """Whether `body` nests arrays/objects deeper than `limit` (brackets inside strings do not count)."""
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= limit:
        return False  # the common case: too few openers to get that deep
    return max(accumulate(_STEP[b] for b in brackets)) > limit


def safe_json_loads(body: bytes, *, max_depth: int = JSON_MAX_DEPTH):
    """`json.loads` that refuses (JsonTooDeep, a ValueError) bodies nested deeper than `max_depth`."""
    if json_depth_exceeds(body, max_depth):
        raise JsonTooDeep(f"JSON nested deeper than {max_depth} levels")
    return json.loads(body)

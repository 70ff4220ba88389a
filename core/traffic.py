"""Which traffic a visitor pool tracks (SPEC "Pool": `traffic_filter`), and what an offline pool's calls are
attributed to (`offline`). Pure functions over plain values: the pool stores them, the DNI path and the call's
attribution read them.

A traffic filter is `{"sources": [...], "mediums": [...], "campaigns": [...]}`; each list that is not empty must
hold the visit's value (compared lower-cased); an empty filter matches every visit. `google / cpc` only is
`{"sources": ["google"], "mediums": ["cpc"]}`.
"""

FILTER_KEYS = ("sources", "mediums", "campaigns")
MAX_VALUES = 50


class TrafficFilterError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def _values(raw, field: str) -> list[str]:
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        raw = raw.split(",")
    if not isinstance(raw, list) or not all(isinstance(value, str) for value in raw):
        raise TrafficFilterError(field, "A list of names, e.g. [\"google\"].")
    values = list(dict.fromkeys(value.strip().lower() for value in raw if value.strip()))
    if len(values) > MAX_VALUES or any(len(value) > 200 or "\x00" in value for value in values):
        raise TrafficFilterError(field, f"At most {MAX_VALUES} names of at most 200 characters.")
    return values


def traffic_filter_clean(raw) -> dict:
    """The stored filter: only the lists that have names, lower-cased, without duplicates; {} for all traffic."""
    if raw in (None, "", {}):
        return {}
    if not isinstance(raw, dict):
        raise TrafficFilterError("traffic_filter", 'An object like {"sources": ["google"], "mediums": ["cpc"]}.')
    unknown = set(raw) - set(FILTER_KEYS)
    if unknown:
        raise TrafficFilterError(sorted(unknown)[0], "Only sources, mediums and campaigns can be chosen.")
    cleaned = {key: _values(raw.get(key), key) for key in FILTER_KEYS}
    return {key: values for key, values in cleaned.items() if values}


def traffic_matches(traffic_filter: dict | None, *, source: str, medium: str, campaign: str) -> bool:
    """Does a visit with this source/medium/campaign belong to a pool with `traffic_filter`?"""
    if not traffic_filter:
        return True
    for key, value in (("sources", source), ("mediums", medium), ("campaigns", campaign)):
        allowed = traffic_filter.get(key)
        if allowed and (value or "").lower() not in allowed:
            return False
    return True


def traffic_filter_display(traffic_filter: dict | None) -> str:
    """"google / cpc", "google, bing / cpc · campaign spring", or "" for all traffic."""
    if not traffic_filter:
        return ""
    sources, mediums = traffic_filter.get("sources", []), traffic_filter.get("mediums", [])
    parts = []
    if sources or mediums:
        parts.append(f"{', '.join(sources) or 'any source'} / {', '.join(mediums) or 'any medium'}")
    if traffic_filter.get("campaigns"):
        parts.append(f"campaign {', '.join(traffic_filter['campaigns'])}")
    return " · ".join(parts)


def offline_clean(raw) -> dict:
    """An offline pool's `{"label", "source", "medium"}` (source and medium lower-cased; medium defaults to
    `offline`), or {} for a pool whose numbers are on the website."""
    if raw in (None, "", {}):
        return {}
    if not isinstance(raw, dict) or not all(isinstance(raw.get(k, ""), str) for k in ("label", "source", "medium")):
        raise TrafficFilterError("offline", 'An object like {"label": "I-25 billboard", "source": "billboard", '
                                            '"medium": "offline"}.')
    unknown = set(raw) - {"label", "source", "medium"}
    if unknown:
        raise TrafficFilterError(sorted(unknown)[0], "Only label, source and medium can be set.")
    label = raw.get("label", "").strip()
    source = raw.get("source", "").strip().lower()
    medium = raw.get("medium", "").strip().lower() or "offline"
    if not source:
        raise TrafficFilterError("source", "Name the source its calls come from, e.g. billboard or print.")
    if any(len(v) > 200 or "\x00" in v for v in (label, source, medium)):
        raise TrafficFilterError("offline", "At most 200 characters each.")
    return {"label": label or source, "source": source, "medium": medium}

"""The calls log's own filters, parsed from the query string. Bad values never raise: they are dropped and come
back as problems the view shows as messages."""

import re
from dataclasses import dataclass

from calls.models import Call
from calls.results import CallResult
from pools.models import Pool

# Report rows link here filtered by their key (dashboard.explore.DRILL_PARAMS); free text, matched ignoring case.
TEXT_FILTERS = ("source", "medium", "campaign", "term", "landing_page", "tracking_number", "pool_name")


# Result words of older links (bookmarks, exports) and what they are called now.
RENAMED_RESULTS = {"busy-failed": CallResult.BUSY_OR_FAILED.value, "in-progress": CallResult.IN_PROGRESS.value}


@dataclass(frozen=True)
class CallFilters:
    status: str = ""
    source: str = ""
    medium: str = ""
    pool: Pool | None = None
    first_time: str = ""   # "" | "yes" | "no"
    q: str = ""            # caller number as typed
    answered: str = ""     # "" | "yes" | "no" (missed = not answered, whatever the final status)
    recording: str = ""    # "" | "yes" | "no"
    result: str = ""       # "" | a calls.results.CallResult value: what the form offers
    campaign: str = ""
    term: str = ""
    landing_page: str = ""
    tracking_number: str = ""
    pool_name: str = ""
    conversions_only: bool = False  # ?is_conversion=1, like the API's is_conversion=true
    tag: str = ""          # a tag's name, matched ignoring case
    spam: str = ""         # "" (not spam: spam is left out by default) | "yes" (spam only) | "all"

    def params(self) -> dict[str, str]:
        params = {"result": self.result, "status": self.status, "source": self.source, "medium": self.medium,
                  "pool": str(self.pool.pk) if self.pool else "", "first_time": self.first_time, "q": self.q,
                  "answered": self.answered, "recording": self.recording, "campaign": self.campaign, "term": self.term,
                  "landing_page": self.landing_page, "tracking_number": self.tracking_number, "pool_name": self.pool_name,
                  "is_conversion": "1" if self.conversions_only else "", "tag": self.tag, "spam": self.spam}
        return {key: value for key, value in params.items() if value}

    @property
    def is_filtered(self) -> bool:
        return bool(self.params())


def call_filters_parse(*, params, pools: list[Pool], region: str) -> tuple[CallFilters, list[str]]:
    problems = []
    result = (params.get("result") or "").strip()
    result = RENAMED_RESULTS.get(result, result)
    if result and result not in CallResult.values:
        problems.append(f"Unknown call result “{result[:20]}” ignored.")
        result = ""
    status = (params.get("status") or "").strip()  # Twilio's status: old links and the API's words
    if status and status not in Call.Status.values:
        problems.append(f"Unknown call status “{status[:20]}” ignored.")
        status = ""
    pool = None
    raw_pool = (params.get("pool") or "").strip()
    if raw_pool:
        pool = {str(p.pk): p for p in pools}.get(raw_pool)
        if pool is None:
            problems.append("That pool is not in your account; showing all pools.")
    first_time = (params.get("first_time") or "").strip()
    if first_time not in ("", "yes", "no"):
        problems.append("The first-time filter takes yes or no; ignored.")
        first_time = ""
    answered = (params.get("answered") or "").strip()
    if answered not in ("", "yes", "no"):
        problems.append("The answered filter takes yes or no; ignored.")
        answered = ""
    recording = (params.get("recording") or "").strip()
    if recording not in ("", "yes", "no"):
        problems.append("The recording filter takes yes or no; ignored.")
        recording = ""
    raw_conversion = (params.get("is_conversion") or "").strip().lower()
    if raw_conversion not in ("", "0", "1", "true", "false"):
        problems.append("The conversions filter takes 1 (conversions only); ignored.")
    spam = (params.get("spam") or "").strip()
    if spam not in ("", "yes", "all"):
        problems.append("The spam filter takes yes (spam only) or all; ignored.")
        spam = ""
    tag = (params.get("tag") or "").strip()[:50]
    q = (params.get("q") or "").strip()[:40]
    if q and not re.search(r"\d", q):
        problems.append("Search by caller number needs digits; ignored.")
        q = ""
    text = {name: (params.get(name) or "").strip()[:500] for name in TEXT_FILTERS}
    return CallFilters(status=status, pool=pool, first_time=first_time, q=q, answered=answered, recording=recording,
                       result=result, conversions_only=raw_conversion in ("1", "true"), tag=tag, spam=spam, **text), problems

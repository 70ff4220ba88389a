"""The calls log's own filters, parsed from the query string. Bad values never raise: they are dropped and come
back as problems the view shows as messages."""

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from attribution.classification import page_key
from calls.models import Call
from calls.results import CallResult
from core.phones import parse_phone
from pools.models import Pool

# Report rows link here filtered by their key (dashboard.explore.DRILL_PARAMS); free text, matched ignoring case
# (landing_page by page, tracking_number as a phone number).
TEXT_FILTERS = ("source", "medium", "channel", "campaign", "term", "landing_page", "tracking_number", "pool_name")
# ?blank=campaign,term: calls whose campaign and keyword are empty (a report's "(not set)" / "(none)" row).
BLANKABLE = ("source", "medium", "channel", "campaign", "term", "landing_page", "pool_name")


SAID_PREFIX = re.compile(r"^said\s*:\s*", re.IGNORECASE)


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
    channel: str = ""
    campaign: str = ""
    term: str = ""
    landing_page: str = ""  # a page: lower-cased host + path (attribution.classification.page_key)
    tracking_number: str = ""
    pool_name: str = ""
    conversions_only: bool = False  # ?is_conversion=1, like the API's is_conversion=true
    tag: str = ""          # a tag's name, matched ignoring case
    spam: str = ""         # "" (not spam: spam is left out by default) | "yes" (spam only) | "all"
    blank: tuple[str, ...] = ()     # BLANKABLE names that must be empty
    said: str = ""         # a phrase the transcript says (typed as "said: financing" in the search box, or ?said=)
    outcome: str = ""      # "" | a Call.Outcome value | "none" (not marked)
    score: str = ""        # "" | "1".."5" (at least that many stars) | "none" (not scored)
    value_min: str = ""    # "" | a decimal: calls worth at least this much (their value, else the rule's)

    def params(self) -> dict[str, str]:
        params = {"result": self.result, "status": self.status, "source": self.source, "medium": self.medium,
                  "channel": self.channel, "pool": str(self.pool.pk) if self.pool else "", "first_time": self.first_time, "q": self.q,
                  "answered": self.answered, "recording": self.recording, "campaign": self.campaign, "term": self.term,
                  "landing_page": self.landing_page, "tracking_number": self.tracking_number, "pool_name": self.pool_name,
                  "is_conversion": "1" if self.conversions_only else "", "tag": self.tag, "spam": self.spam,
                  "blank": ",".join(self.blank), "said": self.said, "outcome": self.outcome, "score": self.score,
                  "value_min": self.value_min}
        return {key: value for key, value in params.items() if value}

    @property
    def is_filtered(self) -> bool:
        return bool(self.params())


# How the calls log names each filter when it lists the ones in force (call_filters_describe).
FILTER_LABELS = {"q": "caller", "status": "status", "source": "source", "medium": "medium", "channel": "channel",
                 "campaign": "campaign", "term": "keyword", "landing_page": "landing page",
                 "tracking_number": "tracking number", "pool_name": "pool", "tag": "tag", "said": "said"}
# What a report calls an empty value (reports.aggregates.Dimension.empty_label), so the log says the same.
BLANK_LABELS = {"term": "(none)", "pool_name": "(no pool)"}
CHOICE_WORDS = {("first_time", "yes"): "first-time callers", ("first_time", "no"): "repeat callers",
                ("answered", "yes"): "answered", ("answered", "no"): "missed",
                ("recording", "yes"): "with recording", ("recording", "no"): "without recording",
                ("spam", "yes"): "spam only", ("spam", "all"): "spam included"}


def call_filters_describe(call_filters: CallFilters) -> list[str]:
    """The filters in force in words ("source “google”", "campaign (not set)"), for the folded filter bar."""
    f = call_filters
    words = []
    if f.result:
        words.append(f"result “{CallResult(f.result).label.lower()}”")
    if f.pool is not None:
        words.append(f"pool “{f.pool.name}”")
    for name, label in FILTER_LABELS.items():
        if getattr(f, name):
            words.append(f"{label} “{getattr(f, name)}”")
    words.extend(f"{FILTER_LABELS[name]} {BLANK_LABELS.get(name, '(not set)')}" for name in f.blank)
    words.extend(CHOICE_WORDS[(name, getattr(f, name))] for name in ("first_time", "answered", "recording", "spam")
                 if getattr(f, name))
    if f.conversions_only:
        words.append("conversions only")
    if f.outcome:
        words.append("no outcome" if f.outcome == "none" else f"outcome “{Call.Outcome(f.outcome).label.lower()}”")
    if f.score:
        words.append("not scored" if f.score == "none" else f"score ≥ {f.score}")
    if f.value_min:
        words.append(f"value ≥ {f.value_min}")
    return words


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
    said = " ".join((params.get("said") or "").split())[:100]
    q = (params.get("q") or "").strip()[:200]
    if SAID_PREFIX.match(q):  # the search box: "said: financing" searches transcripts, digits search callers
        said, q = " ".join(SAID_PREFIX.sub("", q).split())[:100], ""
    q = q[:40]
    outcome = (params.get("outcome") or "").strip()
    if outcome not in ("", "none", *Call.Outcome.values):
        problems.append("Unknown outcome filter ignored.")
        outcome = ""
    score = (params.get("score") or "").strip()
    if score not in ("", "none", "1", "2", "3", "4", "5"):
        problems.append("The score filter takes 1 to 5 (at least that many stars) or none; ignored.")
        score = ""
    value_min, problem = _value_parse(params.get("value_min") or "")
    if problem:
        problems.append(problem)
    if q and not re.search(r"\d", q):
        problems.append("Search by caller number needs digits; ignored.")
        q = ""
    text = {name: (params.get(name) or "").strip()[:500] for name in TEXT_FILTERS}
    text["landing_page"] = _page_parse(text["landing_page"])
    text["tracking_number"], problem = _number_parse(text["tracking_number"], region)
    if problem:
        problems.append(problem)
    blank, problem = _blank_parse(params.get("blank") or "")
    if problem:
        problems.append(problem)
    return CallFilters(status=status, pool=pool, first_time=first_time, q=q, answered=answered, recording=recording,
                       result=result, conversions_only=raw_conversion in ("1", "true"), tag=tag, spam=spam, blank=blank,
                       said=said, outcome=outcome, score=score, value_min=value_min, **text), problems


def _value_parse(raw: str) -> tuple[str, str]:
    """(normalised decimal, problem) of a minimum value: "100", "99.5"; negative, huge or not a number is ignored."""
    raw = raw.strip()[:20]
    if not raw:
        return "", ""
    try:
        value = Decimal(raw.replace(",", ""))
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or value < 0 or value >= Decimal("1e10"):
        return "", f"“{raw}” is not an amount; the value filter is ignored."
    text = f"{value.quantize(Decimal('0.01')):f}"
    return (text.rstrip("0").rstrip(".") if "." in text else text), ""


def _page_parse(raw: str) -> str:
    """The page a landing-page filter means, however it was typed: "localhost/pricing", "https://Localhost/pricing/?x=1"
    and the report's own key are all the page "localhost/pricing"."""
    if not raw:
        return ""
    return page_key(raw if "://" in raw else f"http://{raw}")


def _number_parse(raw: str, region: str) -> tuple[str, str]:
    """(E.164 number, problem): a tracking number typed in any form the account's region reads."""
    if not raw:
        return "", ""
    try:
        return parse_phone(raw, region), ""
    except ValidationError:
        return "", f"“{raw[:20]}” is not a phone number; the tracking number filter is ignored."


def _blank_parse(raw: str) -> tuple[tuple[str, ...], str]:
    names = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in names if name not in BLANKABLE]
    problem = f"Unknown empty-value filter “{unknown[0][:20]}” ignored." if unknown else ""
    return tuple(dict.fromkeys(name for name in names if name in BLANKABLE)), problem

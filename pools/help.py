"""What each pool health state means and what to do, for the dashboard's help page (SPEC "Pool": `health`).
The states and labels are pools.planner's; a test checks every state is explained."""

from pools.planner import (
    CANNOT_BUY_NUMBERS,
    EXHAUSTED,
    HEALTH_LABELS,
    NOT_ACTIVATING,
    OK,
    SHOWING_NO_NUMBERS,
)

_HELP = {
    OK: ("The pool shows its numbers as its rules say.", "Nothing."),
    NOT_ACTIVATING: (
        "An automated pool is waiting: a source/medium on its top list has no number, or none is active yet. "
        "Usually no source/medium has the minimum visits (100 by default) in the visit window yet, or there are "
        "not enough Available call trackers — every number is Active, or the spares are Flagged and wait out "
        "their flag days.",
        "Open the pool: it lists what each source/medium lacks and when the next Flagged number frees up. Raise "
        "the size (or utilization), wait for traffic, or lower the minimum visits."),
    CANNOT_BUY_NUMBERS: (
        "Buying numbers failed: the telephony provider refused, the account has no provider credentials, or no "
        "number matches the pool's search (its area code, then its state, then nearby). Nothing is bought "
        "elsewhere without asking.",
        "Check the account's telephony settings, or change the pool's “new numbers” search (another area code, "
        "any area code, toll-free). The next rules run tries again."),
    EXHAUSTED: (
        "A visitor pool ran out in the last 24 hours: some visitors found every number in use and saw the original "
        "number (or a shared one), so those calls cannot be tied to a visit.",
        "Raise the pool's size (manual) or its max size (automated), or limit it to the traffic you need to track."),
    SHOWING_NO_NUMBERS: (
        "A source pool shows no tracking number: no number is active, or none of its numbers' source/mediums had a "
        "visit in the window, so every visitor sees the original number.",
        "Check that the snippet is installed, and that each number's source/medium is what visitors arrive with "
        "(e.g. google / cpc)."),
}

POOL_HEALTH_HELP = [
    {"code": state, "label": HEALTH_LABELS[state], "meaning": _HELP[state][0], "todo": _HELP[state][1]}
    for state in HEALTH_LABELS
]

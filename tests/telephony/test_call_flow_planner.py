"""The call flow planner (pure): the branch per time, holidays, overnight hours, the preview sentence, the whisper
text and the validation of what people and the API send."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from core.errors import DomainError
from telephony.call_flow import (
    Branch,
    CallFacts,
    call_flow_clean,
    describe_plan,
    flow_is_open,
    plan_call,
    spoken_source,
    whisper_text,
)

NY = ZoneInfo("America/New_York")
WEEKDAYS = {"hours": [{"days": [0, 1, 2, 3, 4], "open": "09:00", "close": "17:00"}], "holidays": ["2026-12-25"],
            "closed": {"action": "voicemail"}, "ring_seconds": 20}
FACTS = CallFacts(original_number="+12025550150")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=NY)  # 2026-12-07 is a Monday


def test_no_flow_always_dials_the_original_without_a_ring_limit():
    plan = plan_call(None, at=at(6, 22, 10), facts=FACTS)

    assert (plan.branch, plan.number, plan.ring_seconds, plan.reason) == (Branch.DIAL, "+12025550150", None, "always_open")


def test_open_hours_dial_the_original_for_ring_seconds_then_voicemail():
    plan = plan_call(WEEKDAYS, at=at(7, 10), facts=FACTS)

    assert (plan.branch, plan.number, plan.ring_seconds) == (Branch.DIAL, "+12025550150", 20)
    assert plan.voicemail_on_no_answer


@pytest.mark.parametrize(("when", "reason"), [(at(6, 22, 10), "closed"), (at(7, 8, 59), "closed"), (at(7, 17), "closed"),
                                              (at(25, 10), "holiday")])
def test_closed_goes_to_voicemail(when, reason):
    plan = plan_call(WEEKDAYS, at=when, facts=FACTS)

    assert (plan.branch, plan.reason) == (Branch.VOICEMAIL, reason)


def test_closed_can_forward_to_an_after_hours_number_with_the_same_ring_then_voicemail():
    flow = {**WEEKDAYS, "closed": {"action": "forward", "number": "+12025550199"}}

    plan = plan_call(flow, at=at(6, 22, 10), facts=FACTS)

    assert (plan.branch, plan.number, plan.ring_seconds) == (Branch.FORWARD, "+12025550199", 20)


def test_overnight_hours_run_past_midnight():
    flow = {"hours": [{"days": [4], "open": "22:00", "close": "06:00"}]}  # Friday night

    assert flow_is_open(flow, at(11, 23)) == (True, "open")  # Friday 23:00
    assert flow_is_open(flow, at(12, 5, 59)) == (True, "open")  # Saturday 05:59
    assert flow_is_open(flow, at(12, 6)) == (False, "closed")
    assert flow_is_open(flow, at(10, 23)) == (False, "closed")  # Thursday


def test_recording_notice_only_when_the_pool_records_and_audio_wins_over_text():
    flow = {**WEEKDAYS, "recording_notice": "This call may be recorded."}

    silent = plan_call(flow, at=at(7, 10), facts=FACTS)
    spoken = plan_call(flow, at=at(7, 10), facts=CallFacts(original_number="+12025550150", record=True))
    played = plan_call(flow, at=at(7, 10), facts=CallFacts(original_number="+12025550150", record=True, has_notice_audio=True))

    assert (silent.notice_text, silent.record) == ("", False)
    assert (spoken.notice_text, spoken.record, spoken.notice_audio) == ("This call may be recorded.", True, False)
    assert played.notice_audio


def test_preview_sentences():
    flow = {**WEEKDAYS, "whisper": "Call from {source}"}

    closed = describe_plan(plan_call(flow, at=at(6, 22, 10), facts=FACTS), at=at(6, 22, 10))
    opened = describe_plan(plan_call(flow, at=at(7, 10), facts=FACTS), at=at(7, 10))
    holiday = describe_plan(plan_call(flow, at=at(25, 10), facts=FACTS), at=at(25, 10))

    assert closed == "At 22:10 on a Sunday this call goes to voicemail (outside business hours)."
    assert opened == ("At 10:00 on a Monday this call rings +12025550150 for 20 seconds, then goes to voicemail; "
                      "the business hears a whisper when it answers.")
    assert holiday == "At 10:00 on a Friday this call goes to voicemail (a holiday)."


def test_whisper_fills_placeholders_and_drops_empty_clauses():
    template = "Call from {source}, keyword {keyword}, campaign {campaign}"
    values = {"source": spoken_source("google", "cpc"), "keyword": "emergency plumber", "campaign": ""}

    assert whisper_text(template, values) == "Call from Google Ads, keyword emergency plumber"
    assert whisper_text(template, {"source": "", "keyword": "", "campaign": ""}) == ""
    assert spoken_source("google", "organic") == "Google"
    assert spoken_source("newsletter", "email") == "newsletter"


def test_clean_normalises_and_fills_defaults():
    flow = call_flow_clean({"hours": [{"days": [4, 0, 0], "open": "09:00", "close": "24:00"}],
                            "closed": {"action": "forward", "number": "(202) 555-0199"}, "whisper": " Call from {source} "})

    assert flow == {"hours": [{"days": [0, 4], "open": "09:00", "close": "24:00"}], "holidays": [],
                    "closed": {"action": "forward", "number": "+12025550199"}, "ring_seconds": 20,
                    "whisper": "Call from {source}"}
    assert call_flow_clean(None) is None


@pytest.mark.parametrize("raw", [
    [], {"hours": [{"days": [7], "open": "09:00", "close": "17:00"}]}, {"hours": [{"days": [1], "open": "9", "close": "17:00"}]},
    {"holidays": ["25/12/2026"]}, {"closed": {"action": "forward", "number": "nope"}}, {"closed": {"action": "hangup"}},
    {"ring_seconds": 2}, {"ring_seconds": True}, {"whisper": "Call from {referrer}"}, {"colour": "red"},
    {"hours": [{"days": [1], "open": "09:00", "close": "09:00"}]},
])
def test_clean_refuses_bad_flows(raw):
    with pytest.raises(DomainError) as exc:
        call_flow_clean(raw)
    assert exc.value.code == "invalid_call_flow"

"""Pure decisions: no database."""

from datetime import UTC, datetime, timedelta

from integrations import planner

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_2xx_succeeds():
    assert planner.plan_webhook_outcome(attempts=1, status_code=204, retry_after=None, now=NOW).action == "succeeded"


def test_410_disables():
    assert planner.plan_webhook_outcome(attempts=1, status_code=410, retry_after=None, now=NOW).action == "disable"


def test_retries_follow_the_spec_schedule():
    delays = [planner.plan_webhook_outcome(attempts=n, status_code=500, retry_after=None, now=NOW).delay_seconds
              for n in range(1, planner.WEBHOOK_MAX_ATTEMPTS)]
    assert delays == [5, 300, 1800, 7200, 18000, 36000, 86400]


def test_gives_up_after_the_last_retry():
    outcome = planner.plan_webhook_outcome(attempts=8, status_code=None, retry_after=None, now=NOW)
    assert outcome.action == "give_up"


def test_retry_after_seconds_is_honoured_on_429():
    outcome = planner.plan_webhook_outcome(attempts=1, status_code=429, retry_after="120", now=NOW)
    assert (outcome.action, outcome.delay_seconds) == ("retry", 120)


def test_retry_after_http_date_is_honoured_on_503():
    when = (NOW + timedelta(minutes=10)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert planner.plan_webhook_outcome(attempts=1, status_code=503, retry_after=when, now=NOW).delay_seconds == 600


def test_retry_after_shorter_than_schedule_keeps_schedule():
    assert planner.plan_webhook_outcome(attempts=2, status_code=429, retry_after="1", now=NOW).delay_seconds == 300


def test_ga4_retries_only_without_response():
    assert planner.plan_ga4_retry(attempts=1, got_response=True, call_started_at=NOW, now=NOW) is None
    assert planner.plan_ga4_retry(attempts=1, got_response=False, call_started_at=NOW, now=NOW) == 60


def test_ga4_stops_retrying_near_72_hours():
    started = NOW - timedelta(hours=71, minutes=50)
    assert planner.plan_ga4_retry(attempts=3, got_response=False, call_started_at=started, now=NOW) is None


def test_ga4_event_respects_limits():
    event = planner.plan_ga4_event(
        name="x" * 50, session_id="17", started_at=NOW, duration_seconds=42,
        params={"campaign": "c" * 150, "y" * 45: "v", **{f"p{i}": i for i in range(40)}},
    )
    assert len(event["name"]) == 40
    assert event["timestamp_micros"] == int(NOW.timestamp()) * 1_000_000
    assert event["params"]["session_id"] == "17"
    assert event["params"]["engagement_time_msec"] == 42000
    assert len(event["params"]["campaign"]) == 100
    assert all(len(key) <= 40 for key in event["params"])
    assert len(event["params"]) <= 25


def test_ga4_requests_hold_at_most_25_events():
    events = [planner.plan_ga4_event(name="phone_call", session_id="1", started_at=NOW, duration_seconds=1, params={})] * 60
    bodies = planner.plan_ga4_requests(client_id="1.2", events=events)
    assert [len(body["events"]) for body in bodies] == [25, 25, 10]
    assert all(body["client_id"] == "1.2" for body in bodies)


def test_ga4_skip_reasons():
    assert "no GA client id" in planner.ga4_skip_reason(has_visit=True, client_id="", started_at=NOW, now=NOW)
    assert "no visit" in planner.ga4_skip_reason(has_visit=False, client_id="", started_at=NOW, now=NOW)
    assert "72 h" in planner.ga4_skip_reason(has_visit=True, client_id="1.2", started_at=NOW - timedelta(hours=73), now=NOW)
    assert planner.ga4_skip_reason(has_visit=True, client_id="1.2", started_at=NOW, now=NOW) == ""


def test_ga4_event_leaves_out_empty_parameters_and_a_missing_session_id():
    event = planner.plan_ga4_event(name="phone_call", session_id="", started_at=NOW, duration_seconds=45,
                                   params={"campaign": "", "term": None, "talk_seconds": 45, "value": 0.0})
    assert event["params"] == {"engagement_time_msec": 45000, "talk_seconds": 45, "value": 0.0}

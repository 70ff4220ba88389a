from core.templatetags.callpool import wrap_at_slashes


def test_wrap_at_slashes_lets_a_page_wrap_after_each_slash_and_escapes_first():
    assert wrap_at_slashes("localhost/services/water-heaters") == "localhost/<wbr>services/<wbr>water-heaters"
    assert wrap_at_slashes("<b>/x") == "&lt;b&gt;/<wbr>x"
    assert wrap_at_slashes("google / cpc") == "google / cpc"  # spaces already let it wrap
    assert wrap_at_slashes(None) == ""


def test_ago_says_just_now_under_a_minute_and_never_zero_minutes():
    from datetime import UTC, datetime, timedelta

    from core.templatetags.callpool import ago

    now = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
    assert ago(now - timedelta(seconds=59), now) == "just now"
    assert ago(now, now) == "just now"
    assert ago(now - timedelta(minutes=3), now) == "3\xa0minutes ago"  # timesince keeps number and unit together
    assert ago(None) == ""

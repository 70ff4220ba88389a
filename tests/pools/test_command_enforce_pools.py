from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from pools.management.commands.enforce_pools import Command
from pools.planner import PlannedAction
from tests.factories import CallTrackerFactory, PoolFactory
from tests.pools.conftest import live_count, statuses


def _run(*args) -> list[str]:
    out = StringIO()
    call_command("enforce_pools", *args, stdout=out)
    return out.getvalue().splitlines()


@pytest.fixture
def recent_traffic(add_visits):
    add_visits("google", "organic", 40, at=timezone.now() - timezone.timedelta(hours=1))


def test_prints_each_action_with_its_reason_and_the_total(auto_pool, recent_traffic):
    lines = _run("--pool", str(auto_pool.pk))

    assert lines[0] == f"Pool “Auto” (#{auto_pool.pk}) took 5 actions:"
    assert lines[1].split() == ["(new", "number)", "create", "the", "pool", "holds", "0", "of", "4", "trackers"]
    activation = next(line for line in lines if " activate " in line)
    assert "google/organic is on the top list (40 visits)" in activation
    assert activation.lstrip().startswith("(")  # the tracker's number, displayed
    assert lines[-1] == "5 actions"
    assert statuses(auto_pool) == {"active": 1, "available": 3}


def test_prints_0_actions_when_the_pools_already_follow_the_rules(auto_pool, recent_traffic):
    _run()
    assert _run() == ["0 actions"]


def test_dry_run_prints_the_plan_and_changes_nothing(auto_pool, recent_traffic):
    lines = _run("--pool", "Auto", "--dry-run")
    assert lines[0] == f"Pool “Auto” (#{auto_pool.pk}) would take 5 actions:"
    assert lines[-1] == "5 actions (dry run, nothing changed)"
    assert live_count(auto_pool) == 0


def test_without_pool_it_runs_every_pool_the_engine_looks_after(auto_pool, account, website, recent_traffic):
    manual = PoolFactory(account=account, website=website, name="Manual")
    CallTrackerFactory(pool=manual, active=True)
    lines = _run()
    assert lines[-1] == "5 actions"
    assert not any("Manual" in line for line in lines)


def test_an_unknown_pool_is_a_command_error(db):
    with pytest.raises(CommandError, match="No pool with id or name “nope”"):
        _run("--pool", "nope")


def test_an_empty_pool_argument_is_a_command_error(db):
    with pytest.raises(CommandError):
        _run("--pool", " ")


def test_a_pool_name_shared_by_two_accounts_asks_for_the_id(db):
    PoolFactory(name="Same")
    PoolFactory(name="Same")
    with pytest.raises(CommandError, match="use the id"):
        _run("--pool", "Same")


def test_format_action_shows_number_action_and_reason():
    line = Command.format_action(PlannedAction("flag", 7, "+12025550101", "bing/cpc is no longer on the top list"))
    assert line.split(maxsplit=3) == ["(202)", "555-0101", "flag", "bing/cpc is no longer on the top list"]


def test_a_stuck_pool_explains_its_waiting_and_sub_threshold_sources_before_the_total(auto_pool, add_visits):
    now = timezone.now()
    for n in range(4):
        CallTrackerFactory(pool=auto_pool, active=True, source=f"s{n}", medium="x")
    flagged = CallTrackerFactory(pool=auto_pool, flagged=True, source="gone", medium="x", flagged_at=now - timezone.timedelta(days=5))
    for n in range(4):
        add_visits(f"s{n}", "x", 50, at=now - timezone.timedelta(hours=1))
    auto_pool.size, auto_pool.utilization = 5, 1
    auto_pool.save()
    add_visits("google", "organic", 40, at=now - timezone.timedelta(hours=1))
    add_visits("bing", "cpc", 3, at=now - timezone.timedelta(hours=1))

    lines = _run("--pool", str(auto_pool.pk))

    assert lines[-1] == "0 actions"
    assert lines[0] == f"Pool “Auto” (#{auto_pool.pk}) cannot follow its rules: 1 source/mediums on its top list have no tracker:"
    frees = (flagged.flagged_at + timezone.timedelta(days=30)).strftime("%Y-%m-%d %H:%M")
    assert lines[1].startswith("  google/organic (40 visits): no Available tracker; the next Flagged one frees up (")
    assert lines[1].endswith(f") on {frees} UTC")
    assert lines[2] == "  under 5 visits in 90 days (not on the top list): bing/cpc 3"


def test_a_pool_with_room_on_its_top_list_lists_the_sub_threshold_sources(auto_pool, recent_traffic, add_visits):
    add_visits("bing", "cpc", 3, at=timezone.now() - timezone.timedelta(hours=1))
    lines = _run("--pool", str(auto_pool.pk), "--dry-run")
    assert lines[-1] == "5 actions (dry run, nothing changed)"
    # Room on the top list: the sub-threshold sources say why nothing more is activated.
    assert lines[-3] == f"Pool “Auto” (#{auto_pool.pk}) has 1 of 4 possible source/mediums on its top list; the others have too few visits:"
    assert lines[-2] == "  under 5 visits in 90 days (not on the top list): bing/cpc 3"
    assert not any("cannot follow" in line for line in lines)


def test_a_pool_that_cannot_get_numbers_gets_a_clear_line_not_a_traceback(auto_pool, recent_traffic, settings):
    from telephony.models import TelephonySettings

    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    TelephonySettings.objects.create(account=auto_pool.account, provider="twilio")

    lines = _run("--pool", str(auto_pool.pk))

    assert lines[0].startswith(f"Pool “Auto” (#{auto_pool.pk}) cannot get numbers: Twilio credentials are missing")
    assert lines[0].endswith("the next rules run tries again.")
    assert lines[-1] == "0 actions"


def test_the_other_pools_still_run_when_one_cannot_get_numbers(auto_pool, account, website, recent_traffic, monkeypatch):
    from unittest import mock

    from telephony.providers.sandbox import SandboxProvider

    empty = mock.create_autospec(SandboxProvider, instance=True)
    empty.name = "sandbox"
    empty.search.return_value = []
    retired = PoolFactory(account=account, website=website, name="Old", retired_at=timezone.now())
    CallTrackerFactory(pool=retired, available=True)
    with mock.patch("pools.services.provider_for_account", autospec=True, return_value=empty):
        lines = _run()
    assert any("cannot get numbers: the sandbox provider offers 0 of the 4 numbers" in line for line in lines)
    assert lines[-1] == "1 actions"  # the retired pool's available number is released

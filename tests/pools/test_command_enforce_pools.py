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

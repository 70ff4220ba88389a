from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.factories import PoolFactory


def test_provision_numbers_by_name_prints_each_number_and_a_total(db):
    pool = PoolFactory(name="Sales line", tracking="visitor")
    out = StringIO()
    call_command("provision_numbers", "--pool", "Sales line", "--count", "3", stdout=out)
    assert out.getvalue().strip().splitlines()[-1] == "3 trackers added to Sales line"
    assert pool.trackers.filter(status="active").count() == 3


def test_provision_numbers_for_an_unknown_pool_fails_clearly(db):
    with pytest.raises(CommandError, match="No pool"):
        call_command("provision_numbers", "--pool", "nope", "--count", "1", stdout=StringIO())


def test_provision_numbers_refuses_an_automated_pool(db):
    pool = PoolFactory(name="Auto line", kind="automated", size=2)
    with pytest.raises(CommandError, match="is automated: the rules engine buys its numbers"):
        call_command("provision_numbers", "--pool", "Auto line", "--count", "3", stdout=StringIO())
    assert not pool.trackers.exists()

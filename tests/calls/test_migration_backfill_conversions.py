"""The migration that adds conversions derives them for calls that already exist (default rule: answered,
ended, talk ≥ 30 s), and carries the Google Ads export's old account-wide value into the websites' rules."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.slow  # replays migrations

BEFORE = [("calls", "0005_recompute_first_time_callers_by_start_time"),
          ("integrations", "0002_webhook_event_call_recording_ready")]
AFTER = [("calls", "0006_conversion_rule_outcome"), ("integrations", "0003_conversions_from_rules")]
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_calls_get_their_conversions_and_the_ads_value():
    try:
        apps = _migrate(BEFORE)
        Account = apps.get_model("accounts", "Account")
        Website = apps.get_model("accounts", "Website")
        Pool = apps.get_model("pools", "Pool")
        Call = apps.get_model("calls", "Call")
        account = Account.objects.create(name="Old Co")
        website = Website.objects.create(account=account, name="Old site", key="oldsite")
        pool = Pool.objects.create(account=account, website=website, name="Old pool", original_number="+12025550100")
        apps.get_model("integrations", "GoogleAdsSettings").objects.create(
            account=account, conversion_value=Decimal("40"), feed_token="t0k3n")

        def call(sid, **fields):
            Call.objects.create(account=account, pool=pool, provider_call_id=sid, tracking_number="+12025550101",
                                started_at=T0, **fields)

        call("CAlong", status="completed", answered_at=T0, talk_seconds=45)
        call("CAshort", status="completed", answered_at=T0, talk_seconds=10)
        call("CAmissed", status="no-answer", talk_seconds=0)
        call("CAlive", status="in-progress", answered_at=T0, talk_seconds=0)

        apps = _migrate(AFTER)
        Call = apps.get_model("calls", "Call")
        rows = dict(Call.objects.values_list("provider_call_id", "is_conversion"))
        assert rows == {"CAlong": True, "CAshort": False, "CAmissed": False, "CAlive": False}
        assert Call.objects.get(provider_call_id="CAlong").conversion_value == Decimal("40")
        rule = apps.get_model("calls", "ConversionRule").objects.get(website__key="oldsite")
        assert (rule.min_seconds, rule.value) == (30, Decimal("40"))
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

"""Reads of the all-accounts summary (an agency's Account Center): each account the person belongs to, counted
the way its own overview counts, in its own time zone and currency."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from accounts.models import Account, Membership
from pools.models import Pool
from pools.planner import PoolHealth
from pools.selectors import pool_health_of_accounts, pool_list_of_accounts
from reports.selectors import call_totals_of_windows, report_windows_of_accounts

SUMMARY_DAYS = 30


@dataclass(frozen=True)
class AccountSummary:
    account: Account
    role: str
    calls: int
    answered: int
    conversions: int
    value: Decimal
    answer_rate: float | None
    attention: list[tuple[Pool, PoolHealth]]  # pools in service whose health is not ok


def account_summary_list(*, memberships: list[Membership], now: datetime) -> list[AccountSummary]:
    """One summary per membership, over each account's last SUMMARY_DAYS days (today included)."""
    accounts = [membership.account for membership in memberships]
    # Every account's pools and their health at once: a few queries however many accounts the person is in.
    pools = list(pool_list_of_accounts(accounts=accounts).filter(retired_at__isnull=True)) if accounts else []
    health = pool_health_of_accounts(accounts=accounts, pools=pools, now=now)
    # Every account's calls of its last days at once too: its rollup's reach, then the rolled days and the live calls.
    spans = []
    for account in accounts:
        today = now.astimezone(ZoneInfo(account.timezone)).date()
        spans.append((account, today - timedelta(days=SUMMARY_DAYS - 1), today))
    totals = call_totals_of_windows(windows=report_windows_of_accounts(spans=spans)) if accounts else {}
    summaries = []
    for membership in memberships:
        account = membership.account
        counts = totals[account.pk]
        calls, answered = counts["calls"], counts["answered"]
        summaries.append(AccountSummary(
            account=account, role=membership.get_role_display(), calls=calls, answered=answered,
            conversions=counts["conversions"], value=counts["value"],
            answer_rate=(answered / calls) if calls else None,
            attention=[(pool, health[pool.pk]) for pool in pools
                       if pool.account_id == account.pk and not health[pool.pk].is_ok],
        ))
    return summaries

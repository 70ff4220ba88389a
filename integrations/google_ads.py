"""Google Ads offline click conversions, in Google's upload template (SPEC "Google Ads offline conversions")."""

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from accounts.models import Account
from calls.models import Call
from calls.selectors import call_list_with_visit
from integrations.models import GoogleAdsSettings

CLICK_MAX_AGE = timedelta(days=90)
HEADER = ["Google Click ID", "Conversion Name", "Conversion Time", "Conversion Value", "Conversion Currency",
          "GBRAID", "WBRAID"]


@dataclass(frozen=True)
class ConversionRow:
    gclid: str
    gbraid: str
    wbraid: str
    conversion_time: datetime
    value: Decimal


def google_ads_calls(*, account: Account, now: datetime, min_duration_seconds: int = 0) -> QuerySet[Call]:
    """Calls whose visit carries a Google click id from the last 90 days."""
    has_click = ~Q(visit__gclid="") | ~Q(visit__gbraid="") | ~Q(visit__wbraid="")
    return (
        call_list_with_visit(account=account, visit_since=now - CLICK_MAX_AGE)
        .filter(has_click, duration_seconds__gte=min_duration_seconds)
        .order_by("started_at", "id")
    )


def plan_conversion_row(*, gclid: str, gbraid: str, wbraid: str, started_at: datetime, value: Decimal) -> ConversionRow:
    """One click id per row: GCLID wins, then GBRAID, then WBRAID (Google rejects rows with two)."""
    if gclid:
        gbraid = wbraid = ""
    elif gbraid:
        wbraid = ""
    return ConversionRow(gclid=gclid, gbraid=gbraid, wbraid=wbraid, conversion_time=started_at, value=value)


def google_ads_csv(*, account: Account, now: datetime) -> str:
    settings_row, _ = GoogleAdsSettings.objects.get_or_create(account=account)
    zone = ZoneInfo(account.timezone)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"Parameters:TimeZone={account.timezone}"])
    writer.writerow(HEADER)
    for call in google_ads_calls(account=account, now=now, min_duration_seconds=settings_row.min_duration_seconds):
        row = plan_conversion_row(gclid=call.visit.gclid, gbraid=call.visit.gbraid, wbraid=call.visit.wbraid,
                                  started_at=call.started_at, value=settings_row.conversion_value)
        writer.writerow([
            row.gclid, settings_row.conversion_name,
            row.conversion_time.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            f"{row.value:.2f}", account.currency, row.gbraid, row.wbraid,
        ])
    return out.getvalue()

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
from integrations.models import FORMULA_PREFIXES, GoogleAdsSettings

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


def google_ads_conversion_calls(*, account: Account, now: datetime) -> QuerySet[Call]:
    """Converting calls whose visit carries a Google click id from the last 90 days; never spam (a spam call is no
    conversion, and a stale flag must not leak one either)."""
    has_click = ~Q(visit__gclid="") | ~Q(visit__gbraid="") | ~Q(visit__wbraid="")
    return (
        call_list_with_visit(account=account, visit_since=now - CLICK_MAX_AGE)
        .filter(has_click, is_conversion=True, spam=False)
        .order_by("started_at", "id")
    )


def is_safe_click_id(value: str) -> bool:
    """A click id a spreadsheet would run as a formula is no click id Google issued: treat it as absent."""
    return bool(value) and not value.startswith(FORMULA_PREFIXES)


def plan_conversion_row(*, gclid: str, gbraid: str, wbraid: str, started_at: datetime, value: Decimal) -> ConversionRow | None:
    """One click id per row: GCLID wins, then GBRAID, then WBRAID (Google rejects rows with two).
    Formula-unsafe ids (= + - @ …) are left out; no safe id left → no row."""
    ids = [click if is_safe_click_id(click) else "" for click in (gclid, gbraid, wbraid)]
    if ids[0]:
        ids[1] = ids[2] = ""
    elif ids[1]:
        ids[2] = ""
    elif not ids[2]:
        return None
    return ConversionRow(gclid=ids[0], gbraid=ids[1], wbraid=ids[2], conversion_time=started_at, value=value)


def google_ads_csv(*, account: Account, now: datetime) -> str:
    settings_row, _ = GoogleAdsSettings.objects.get_or_create(account=account)
    zone = ZoneInfo(account.timezone)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([f"Parameters:TimeZone={account.timezone}"])
    writer.writerow(HEADER)
    for call in google_ads_conversion_calls(account=account, now=now):
        assert call.visit is not None  # the selector keeps calls with a visit and a click id
        row = plan_conversion_row(gclid=call.visit.gclid, gbraid=call.visit.gbraid, wbraid=call.visit.wbraid,
                                  started_at=call.started_at, value=call.conversion_value)
        if row is None:
            continue
        writer.writerow([
            row.gclid, settings_row.conversion_name,
            row.conversion_time.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S"),
            f"{row.value:.2f}", account.currency, row.gbraid, row.wbraid,
        ])
    return out.getvalue()

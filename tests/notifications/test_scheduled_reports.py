"""Scheduled reports (issue 27.8): created from a report page, emailed weekly or monthly as CSV + a summary to the
chosen addresses, once per period; each recipient can unsubscribe with one click."""

import csv
import io
import os
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from notifications.models import ScheduledReport
from notifications.services import scheduled_report_create, scheduled_reports_queue
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory, WebsiteFactory
from tests.notifications.conftest import parts

pytestmark = pytest.mark.django_db

MONDAY_8AM = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # 08:00 in New York
IN_THE_WEEK = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


@pytest.fixture
def calls(account, website):
    tracker = CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)
    CallFactory(tracker=tracker, started_at=IN_THE_WEEK, source="google", medium="cpc", answered_at=IN_THE_WEEK,
                talk_seconds=90, is_conversion=True, conversion_value=Decimal("80"))
    CallFactory(tracker=tracker, started_at=IN_THE_WEEK, source="bing", medium="organic")
    other_site = WebsiteFactory(account=account, key="othersite")
    other = CallTrackerFactory(pool=PoolFactory(account=account, website=other_site, name="Other"), active=True)
    CallFactory(tracker=other, started_at=IN_THE_WEEK, source="facebook", medium="paid")  # filtered out by website


def test_schedule_this_report_prefills_the_form_from_the_report_page(marketer_client, website):
    page = marketer_client.get(f"/dashboard/reports/campaign/?range=7&website={website.pk}")
    assert f"/dashboard/notifications/reports/new?dimension=campaign&amp;website={website.pk}".encode() in page.content
    form = marketer_client.get(f"/dashboard/notifications/reports/new?dimension=campaign&website={website.pk}")
    assert form.status_code == 200
    assert b'<option value="campaign" selected>' in form.content
    assert f'<option value="{website.pk}" selected>'.encode() in form.content


def test_a_weekly_report_is_emailed_as_csv_with_a_summary_to_every_recipient_once(
        smtp_server, marketer_client, account, website, calls, django_capture_on_commit_callbacks):
    response = marketer_client.post("/dashboard/notifications/reports/", {
        "name": "Weekly sources", "dimension": "source_medium", "website": website.pk, "frequency": "weekly",
        "recipients": "boss@example.com, Agency@Example.com"})
    assert response.status_code == 302
    report = ScheduledReport.objects.get()
    assert report.recipients == ["boss@example.com", "agency@example.com"]

    with django_capture_on_commit_callbacks(execute=True):
        assert scheduled_reports_queue(now=MONDAY_8AM) == 2
        assert scheduled_reports_queue(now=MONDAY_8AM + timedelta(hours=5)) == 0
    assert sorted(rcpt[0] for rcpt, _ in smtp_server.received) == ["agency@example.com", "boss@example.com"]
    message = smtp_server.to("boss@example.com")[0]
    assert message["Subject"].strip() == "Weekly sources (Nov 23 – Nov 29, 2026)"
    text = parts(message)["text/plain"]
    assert "2 calls, 1 answered, 1 conversion worth 80.00 USD" in text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "report-source_medium-2026-11-23-2026-11-29.csv"
    rows = list(csv.reader(io.StringIO(attachment.get_content())))
    assert rows[0][:3] == ["Source", "Medium", "Calls"]
    assert sorted(row[:3] for row in rows[1:]) == [["bing", "organic", "1"], ["google", "cpc", "1"]]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    if os.environ.get("SHOTS_DIR"):
        (Path(os.environ["SHOTS_DIR"]) / "h3-scheduled-report.eml").write_bytes(smtp_server.raw(0))


def test_a_recipient_unsubscribes_with_one_click_and_the_last_one_ends_the_schedule(
        smtp_server, client, account, website, django_capture_on_commit_callbacks):
    scheduled_report_create(account=account, actor=None, name="Monthly", dimension="channel", frequency="monthly",
                            recipients=["a@example.com", "b@example.com"])
    with django_capture_on_commit_callbacks(execute=True):
        scheduled_reports_queue(now=datetime(2026, 12, 1, 13, 0, tzinfo=UTC))
    urls = {rcpt[0]: message["List-Unsubscribe"].strip().strip("<>").removeprefix("https://callpool.example.com")
            for (rcpt, _), message in zip(smtp_server.received, smtp_server.messages, strict=True)}
    assert client.post(urls["a@example.com"]).status_code == 200
    assert ScheduledReport.objects.get().recipients == ["b@example.com"]
    assert client.post(urls["b@example.com"]).status_code == 200
    assert not ScheduledReport.objects.exists()


def test_bad_recipients_are_refused_with_the_form_shown_again(marketer_client):
    response = marketer_client.post("/dashboard/notifications/reports/", {
        "dimension": "source_medium", "frequency": "weekly", "recipients": "not an address"})
    assert response.status_code == 400 and b"is not an email address" in response.content
    assert not ScheduledReport.objects.exists()


def test_the_settings_page_lists_and_deletes_the_accounts_schedules(marketer_client, account, other_account):
    mine = scheduled_report_create(account=account, actor=None, name="Mine", dimension="tag", frequency="weekly",
                                   recipients=["a@example.com"])
    theirs = scheduled_report_create(account=other_account, actor=None, name="Theirs", dimension="tag",
                                     frequency="weekly", recipients=["b@example.com"])
    page = marketer_client.get("/dashboard/notifications/")
    assert b"Mine" in page.content and b"Theirs" not in page.content
    assert marketer_client.post(f"/dashboard/notifications/reports/{theirs.pk}/delete").status_code == 404
    assert marketer_client.post(f"/dashboard/notifications/reports/{mine.pk}/delete").status_code == 302
    assert list(ScheduledReport.objects.values_list("name", flat=True)) == ["Theirs"]

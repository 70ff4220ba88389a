"""The call admin shows a call's result (calls.results) and filters by it, in the dashboard's words."""

import pytest
from django.urls import reverse

from tests.factories import CallFactory, CallTrackerFactory, PoolFactory

URL = reverse("admin:calls_call_changelist")


@pytest.fixture
def tracker(account, website):
    return CallTrackerFactory(pool=PoolFactory(account=account, website=website), active=True)


def test_the_call_admin_lists_and_filters_by_result_like_the_dashboard(admin_client_for_account, tracker):
    from django.utils import timezone

    missed = CallFactory(tracker=tracker, status="no-answer", duration_seconds=30)
    abandoned = CallFactory(tracker=tracker, status="canceled", duration_seconds=5)
    CallFactory(tracker=tracker, answered_at=timezone.now())
    listed = admin_client_for_account.get(URL, {"result": "abandoned"})
    assert [c.pk for c in listed.context["cl"].result_list] == [abandoned.pk]
    assert [c.pk for c in admin_client_for_account.get(URL, {"result": "missed"}).context["cl"].result_list] == [missed.pk]
    assert "Abandoned" in listed.content.decode()


def test_the_call_admin_shows_source_and_medium_in_one_cell(admin_client_for_account, tracker):
    CallFactory(tracker=tracker, source="google", medium="cpc")
    CallFactory(tracker=tracker, source="<b>bing</b>", medium="")

    page = admin_client_for_account.get(URL).content.decode()

    assert '<td class="field-source_medium">google / cpc</td>' in page
    assert '<td class="field-source_medium">&lt;b&gt;bing&lt;/b&gt; / (not set)</td>' in page

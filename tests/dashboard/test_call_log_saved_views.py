"""Saved views of the calls log: per person and account; save (or replace by name), list, apply, delete."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from calls.models import Call, CallOutcomeChange, Tag
from dashboard.models import SavedCallView
from tests.factories import CallFactory, MembershipFactory, UserFactory

URL = reverse("dashboard:call_list")
SAVE = reverse("dashboard:call_view_save")
BULK = reverse("dashboard:call_bulk")


def _delete(view):
    return reverse("dashboard:call_view_delete", args=[view.pk])


def _save(client, name, query):
    return client.post(f"{SAVE}?{query}", {"name": name})


def test_save_keeps_range_filters_sort_columns_and_page_size_and_applies_them(marketer_client, marketer, account, call):
    page = marketer_client.get(URL, {"range": "7", "source": "google", "sort": "-value", "per_page": "25",
                                     "columns": "caller,value", "after": "1.2", "page": "3"})
    response = _save(marketer_client, "  Paid   calls ", page.context["current_view_query"])
    view = SavedCallView.objects.get(user=marketer, account=account)
    assert view.name == "Paid calls"
    assert view.params == {"range": "7", "source": "google", "sort": "-value", "columns": "started,caller,value",
                           "per_page": "25"}  # never the page or cursor
    assert response.status_code == 302
    applied = marketer_client.get(response["Location"])
    assert applied.context["sort"] == "-value" and applied.context["per_page"] == 25
    assert [header["key"] for header in applied.context["headers"]] == ["started", "caller", "value"]
    assert applied.context["call_filters"].source == "google"
    assert [item["is_on"] for item in applied.context["saved_views"]] == [True]
    assert "Paid calls" in applied.content.decode()
    assert [item["is_on"] for item in marketer_client.get(URL).context["saved_views"]] == [False]


def test_saving_under_the_same_name_replaces_the_view(marketer_client, marketer):
    _save(marketer_client, "Mine", "source=google")
    _save(marketer_client, "Mine", "source=bing&foo=bar")
    assert list(SavedCallView.objects.filter(user=marketer).values_list("name", "params")) == [("Mine", {"source": "bing"})]


def test_a_view_needs_a_name(marketer_client, marketer):
    for name in ("", "   ", "x" * 61, "a\x07b"):
        response = marketer_client.post(f"{SAVE}?source=google", {"name": name}, follow=True)
        assert "View not saved" in response.content.decode()
    assert not SavedCallView.objects.exists()


def test_views_are_per_person_and_account(marketer_client, marketer, account, other_account):
    _save(marketer_client, "Mine", "source=google")
    colleague = MembershipFactory(account=account, user=UserFactory(username="colleague")).user
    theirs = SavedCallView.objects.create(user=colleague, account=account, name="Theirs", params={"source": "bing"})
    # The same person's view in another account (an agency) stays in that account.
    MembershipFactory(account=other_account, user=marketer)
    elsewhere = SavedCallView.objects.create(user=marketer, account=other_account, name="Bob's", params={})
    names = [item["view"].name for item in marketer_client.get(URL).context["saved_views"]]
    assert names == ["Mine"]
    for view in (theirs, elsewhere):
        assert marketer_client.post(_delete(view)).status_code == 404
    assert SavedCallView.objects.count() == 3
    client = Client()
    client.force_login(colleague)
    assert [item["view"].name for item in client.get(URL).context["saved_views"]] == ["Theirs"]


def test_delete_removes_the_view_and_returns_to_the_log(marketer_client, marketer):
    _save(marketer_client, "Mine", "source=google")
    view = SavedCallView.objects.get()
    response = marketer_client.post(f"{_delete(view)}?source=google")
    assert response.status_code == 302 and response["Location"] == f"{URL}?source=google"
    assert not SavedCallView.objects.exists()
    assert marketer_client.get(_delete(view)).status_code == 405


def test_anonymous_cannot_save_or_delete(client, marketer, account):
    view = SavedCallView.objects.create(user=marketer, account=account, name="Mine", params={})
    assert client.post(SAVE, {"name": "x"}).status_code == 302
    assert client.post(_delete(view)).status_code == 302
    assert SavedCallView.objects.count() == 1


@pytest.mark.parametrize("action,data,field,value", [
    ("add_tag", {"tag": "booked"}, None, None),
    ("set_outcome", {"outcome": "lead"}, "outcome", "lead"),
    ("set_score", {"score": "4"}, "score", 4),
])
def test_bulk_from_a_sorted_filtered_log_changes_only_this_accounts_calls_through_the_service(
        marketer_client, call, other_call, tracker, action, data, field, value):
    second = CallFactory(tracker=tracker)
    response = marketer_client.post(f"{BULK}?sort=-value&source=google&per_page=25",
                                    {"calls": [call.pk, second.pk, other_call.pk], "action": action, **data})
    back = parse_qs(urlsplit(response["Location"]).query)
    assert back["sort"] == ["-value"] and back["source"] == ["google"]  # back to the same log
    for mine in (call, second):
        mine = Call.objects.get(pk=mine.pk)
        if field:
            assert getattr(mine, field) == value
        else:
            assert [tag.name for tag in mine.tags.all()] == ["booked"]
    theirs = Call.objects.get(pk=other_call.pk)
    assert theirs.outcome == "" and theirs.score is None and not theirs.tags.exists()
    assert not Tag.objects.filter(account=other_call.account).exists()
    assert CallOutcomeChange.objects.filter(call=call).exists()  # history through calls.outcomes.calls_mark_bulk
    assert not CallOutcomeChange.objects.filter(call=other_call).exists()

"""The call page's tags, score and spam (POST calls/<pk>/marks and calls/<pk>/spam), the calls log's bulk edit
(POST calls/bulk), its tag and spam filters and what it shows."""

import pytest
from django.test import Client
from django.urls import reverse

from calls.models import BlockedNumber, Call, CallOutcomeChange
from tests.factories import CallFactory, TagFactory

pytestmark = pytest.mark.django_db


def _marks(call):
    return reverse("dashboard:call_marks", args=[call.pk])


def _spam(call):
    return reverse("dashboard:call_spam", args=[call.pk])


BULK = reverse("dashboard:call_bulk")
LIST = reverse("dashboard:call_list")


def _tags(call):
    return sorted(tag.name for tag in Call.objects.get(pk=call.pk).tags.all())


def test_marketer_ticks_a_tag_adds_a_new_one_and_scores_the_call(marketer_client, call, account, marketer):
    TagFactory(account=account, name="booked")
    response = marketer_client.post(_marks(call), {"tags": ["booked"], "new_tags": "follow up, vip", "score": "4"},
                                    follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("dashboard:call_detail", args=[call.pk]))
    assert _tags(call) == ["booked", "follow up", "vip"] and Call.objects.get(pk=call.pk).score == 4
    change = CallOutcomeChange.objects.get(call=call)
    assert change.actor == marketer and change.actor_label == "marketer (dashboard)"
    assert "Tags and score saved." in response.content.decode()


def test_unticking_every_tag_and_no_score_clears_them(marketer_client, call, account):
    call.tags.add(TagFactory(account=account, name="booked"))
    Call.objects.filter(pk=call.pk).update(score=3)
    marketer_client.post(_marks(call), {"score": ""})
    assert _tags(call) == [] and Call.objects.get(pk=call.pk).score is None


def test_a_bad_new_tag_is_an_error_message_and_nothing_changes(marketer_client, call):
    response = marketer_client.post(_marks(call), {"new_tags": "x" * 51}, follow=True)
    assert "were not saved" in response.content.decode() and _tags(call) == []


def test_call_page_shows_tags_score_location_and_the_spam_button(marketer_client, call, account):
    tag = TagFactory(account=account, name="booked", color="#16a34a")
    call.tags.add(tag)
    Call.objects.filter(pk=call.pk).update(score=4, caller_city="San Francisco", caller_region="CA", caller_country="US")
    body = marketer_client.get(reverse("dashboard:call_detail", args=[call.pk])).content.decode()
    assert 'value="booked" checked' in body and 'value="4" checked' in body
    assert "San Francisco, CA, US" in body and f'action="{_spam(call)}' in body and "Mark spam" in body


def test_mark_spam_blocks_the_caller_and_not_spam_unblocks_it(marketer_client, call, account):
    response = marketer_client.post(_spam(call), {"spam": "1"}, follow=True)
    assert Call.objects.get(pk=call.pk).spam is True
    assert BlockedNumber.objects.filter(account=account, number=call.caller_number).exists()
    assert "are now rejected" in response.content.decode()
    marketer_client.post(_spam(call), {"spam": "0"})
    assert Call.objects.get(pk=call.pk).spam is False and not BlockedNumber.objects.exists()


def test_another_accounts_call_is_404(marketer_client, other_call):
    assert marketer_client.post(_marks(other_call), {"score": "5"}).status_code == 404
    assert marketer_client.post(_spam(other_call), {"spam": "1"}).status_code == 404
    assert Call.objects.get(pk=other_call.pk).score is None and Call.objects.get(pk=other_call.pk).spam is False


def test_anonymous_is_sent_to_log_in(call):
    for url in (_marks(call), _spam(call), BULK):
        response = Client().post(url, {"score": "5"})
        assert response.status_code == 302 and "login" in response["Location"]


def test_get_is_405(marketer_client, call):
    assert marketer_client.get(_marks(call)).status_code == 405
    assert marketer_client.get(_spam(call)).status_code == 405
    assert marketer_client.get(BULK).status_code == 405


# ---- bulk ---------------------------------------------------------------------------------------

def test_bulk_adds_a_tag_to_the_ticked_calls(marketer_client, call, tracker):
    second, untouched = CallFactory(tracker=tracker), CallFactory(tracker=tracker)
    response = marketer_client.post(BULK, {"calls": [call.pk, second.pk], "action": "add_tag", "tag": "booked"}, follow=True)
    assert "2 calls changed." in response.content.decode()
    assert _tags(call) == _tags(second) == ["booked"] and _tags(untouched) == []


@pytest.mark.parametrize("action,field,expected", [
    ("set_score", {"score": "5"}, ("score", 5)),
    ("set_outcome", {"outcome": "sale"}, ("outcome", "sale")),
    ("mark_spam", {}, ("spam", True)),
])
def test_bulk_sets_score_outcome_or_spam(marketer_client, call, action, field, expected):
    marketer_client.post(BULK, {"calls": [call.pk], "action": action, **field})
    name, value = expected
    assert getattr(Call.objects.get(pk=call.pk), name) == value


def test_bulk_leaves_another_accounts_calls_alone(marketer_client, call, other_call):
    response = marketer_client.post(BULK, {"calls": [call.pk, other_call.pk], "action": "set_score", "score": "2"},
                                    follow=True)
    assert "1 call changed." in response.content.decode()
    assert Call.objects.get(pk=other_call.pk).score is None


def test_bulk_without_ticked_calls_or_tag_name_changes_nothing(marketer_client, call):
    response = marketer_client.post(BULK, {"action": "add_tag", "tag": "x"}, follow=True)
    assert "Nothing changed." in response.content.decode()
    response = marketer_client.post(BULK, {"calls": [call.pk], "action": "add_tag", "tag": ""}, follow=True)
    assert "Nothing changed." in response.content.decode() and _tags(call) == []


# ---- the calls log ------------------------------------------------------------------------------

def test_calls_log_shows_tags_score_location_and_row_checkboxes(marketer_client, call, account):
    call.tags.add(TagFactory(account=account, name="booked"))
    Call.objects.filter(pk=call.pk).update(score=3, caller_city="San Francisco", caller_region="CA", caller_country="US")
    body = marketer_client.get(LIST).content.decode()
    assert ">booked</span>" in body and "★★★☆☆" in body and "San Francisco, CA, US" in body
    assert f'name="calls" value="{call.pk}" form="bulk-form"' in body and f'action="{BULK}' in body


def test_calls_log_leaves_spam_out_unless_the_filter_asks(marketer_client, call, tracker):
    spam = CallFactory(tracker=tracker, spam=True, caller_number="+19005550000")
    ids = lambda params: [c.pk for c in marketer_client.get(LIST, params).context["calls"]]  # noqa: E731
    assert ids({}) == [call.pk]
    assert ids({"spam": "yes"}) == [spam.pk]
    assert sorted(ids({"spam": "all"})) == sorted([call.pk, spam.pk])


def test_calls_log_filters_by_tag_ignoring_case(marketer_client, call, tracker, account):
    call.tags.add(TagFactory(account=account, name="Booked"))
    CallFactory(tracker=tracker)
    assert [c.pk for c in marketer_client.get(LIST, {"tag": "booked"}).context["calls"]] == [call.pk]

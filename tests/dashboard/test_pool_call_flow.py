"""The dashboard's call handling editor: the pool page's summary, the preview (a time asked, a draft), saving
through pool_update (account admins only), and refusals as form errors."""

from django.urls import reverse

from pools.models import PoolChange

FORM = {"enabled": "on", "open_0": "09:00", "close_0": "17:00", "open_1": "09:00", "close_1": "17:00",
        "open_5": "10:00", "close_5": "14:00", "holidays": "2026-12-25\n", "closed_action": "voicemail",
        "ring_seconds": "25", "whisper": "Call from {source}, keyword {keyword}", "recording_notice": "",
        "voicemail_greeting": "", "after_hours_number": ""}


def _page(pool):
    return reverse("dashboard:pool_call_flow", args=[pool.pk])


def _save(pool):
    return reverse("dashboard:pool_call_flow_save", args=[pool.pk])


def test_the_pool_page_says_what_happens_to_a_call_and_links_the_editor(marketer_client, pool):
    body = marketer_client.get(reverse("dashboard:pool_detail", args=[pool.pk])).content.decode()

    assert "Call handling" in body and _page(pool) in body
    assert "this call rings (202) 555-0100." in body  # no flow: always the original


def test_an_admin_saves_the_flow_through_the_pool_service(admin_client_for_account, pool):
    response = admin_client_for_account.post(_save(pool), {**FORM, "action": "save"})

    assert response.status_code == 302
    pool.refresh_from_db()
    assert pool.call_flow == {
        "hours": [{"days": [0, 1], "open": "09:00", "close": "17:00"}, {"days": [5], "open": "10:00", "close": "14:00"}],
        "holidays": ["2026-12-25"], "closed": {"action": "voicemail"}, "ring_seconds": 25,
        "whisper": "Call from {source}, keyword {keyword}"}
    assert PoolChange.objects.filter(pool=pool, reason="call handling changed").exists()
    page = admin_client_for_account.get(_page(pool) + "?at=2026-12-06T22:10").content.decode()
    assert "At 22:10 on a Sunday this call goes to voicemail (outside business hours)." in page
    assert 'value="09:00"' in page  # the editor shows what is saved


def test_preview_shows_the_draft_without_saving(admin_client_for_account, pool):
    response = admin_client_for_account.post(_save(pool) + "?at=2026-12-07T10:00", {**FORM, "action": "preview"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Preview of your changes" in body
    assert "At 10:00 on a Monday this call rings (202) 555-0100 for 25 seconds, then goes to voicemail" in body
    pool.refresh_from_db()
    assert pool.call_flow is None


def test_refusals_are_form_errors(admin_client_for_account, pool):
    bad = {**FORM, "whisper": "Call from {referrer}", "action": "save"}

    response = admin_client_for_account.post(_save(pool), bad)

    assert response.status_code == 200
    assert "The whisper knows" in response.content.decode()
    pool.refresh_from_db()
    assert pool.call_flow is None


def test_after_hours_forward_needs_a_number(admin_client_for_account, pool):
    response = admin_client_for_account.post(_save(pool), {**FORM, "closed_action": "forward", "action": "save"})

    assert "Which number rings after hours?" in response.content.decode()


def test_marketers_preview_but_cannot_save(marketer_client, pool):
    assert marketer_client.get(_page(pool)).status_code == 200
    assert marketer_client.post(_save(pool), {**FORM, "action": "save"}).status_code == 403
    pool.refresh_from_db()
    assert pool.call_flow is None

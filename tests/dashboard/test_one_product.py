"""One product, not two: the dashboard links into the admin where an account admin needs it (Settings menu, the
pool page's edit/numbers links), and the admin speaks the dashboard's words (no "Account: ---------" for an admin
of one account, no "Lease minutes"/"Exhaustion" jargon, "Flagged" explained)."""

import re

from django.urls import reverse

from tests.factories import MembershipFactory, PoolFactory

OVERVIEW = reverse("dashboard:overview")


def _pool_url(pool):
    return reverse("dashboard:pool_detail", args=[pool.pk])


def test_account_admins_get_a_settings_menu_into_the_admin(admin_client_for_account):
    html = admin_client_for_account.get(OVERVIEW).content.decode()
    assert 'class="settings-menu"' in html
    for name in ("admin:pools_pool_changelist", "admin:trackers_calltracker_changelist", "admin:calls_tag_changelist",
                 "admin:accounts_membership_changelist"):
        assert f'href="{reverse(name)}"' in html
    # Every link opens for them.
    for url in re.findall(r'<li><a href="(/admin/[^"]+)"', html):
        assert admin_client_for_account.get(url).status_code == 200, url


def test_marketers_get_no_settings_menu(marketer_client):
    assert "settings-menu" not in marketer_client.get(OVERVIEW).content.decode()


def test_a_staff_user_who_is_only_a_marketer_here_gets_no_menu(client, account, other_account, other_admin):
    MembershipFactory(account=account, user=other_admin, role="marketer")
    other_admin.memberships.filter(account=other_account).delete()
    client.force_login(other_admin)
    assert "settings-menu" not in client.get(OVERVIEW).content.decode()


def test_the_pool_page_links_admins_to_edit_the_pool_and_its_numbers(admin_client_for_account, pool):
    html = admin_client_for_account.get(_pool_url(pool)).content.decode()
    edit = reverse("admin:pools_pool_change", args=[pool.pk])
    numbers = reverse("admin:trackers_calltracker_changelist") + f"?pool__id__exact={pool.pk}"
    assert f'href="{edit}"' in html and f'href="{numbers}"' in html
    assert admin_client_for_account.get(edit).status_code == 200
    listed = admin_client_for_account.get(numbers)
    assert listed.status_code == 200 and "?e=1" not in listed.get("Location", "")


def test_the_pool_page_has_no_admin_links_for_marketers(marketer_client, pool):
    assert "Edit pool settings" not in marketer_client.get(_pool_url(pool)).content.decode()


def test_the_numbers_link_lists_only_that_pools_numbers(admin_client_for_account, account, website, tracker):
    other_pool = PoolFactory(account=account, website=website, name="Other pool")
    from tests.factories import CallTrackerFactory

    theirs = CallTrackerFactory(pool=other_pool, active=True)
    response = admin_client_for_account.get(reverse("admin:trackers_calltracker_changelist"),
                                            {"pool__id__exact": tracker.pool_id})
    listed = [row.pk for row in response.context["cl"].result_list]
    assert listed == [tracker.pk] and theirs.pk not in listed


def test_an_admin_of_one_account_is_not_asked_to_pick_the_account(admin_client_for_account, account):
    for name in ("admin:pools_pool_add", "admin:calls_tag_add", "admin:accounts_website_add"):
        html = admin_client_for_account.get(reverse(name)).content.decode()
        select = re.search(r'<select name="account"[^>]*>(.*?)</select>', html, re.S)
        assert select, name
        assert "---------" not in select.group(1), name
        assert f'value="{account.pk}" selected' in select.group(1), name


def test_an_admin_of_two_accounts_adds_to_the_account_they_work_in(admin_client_for_account, account_admin, other_account):
    MembershipFactory(account=other_account, user=account_admin, role="admin")
    html = admin_client_for_account.get(reverse("admin:pools_pool_add")).content.decode()
    select = re.search(r'<select name="account"[^>]*>(.*?)</select>', html, re.S).group(1)
    assert "---------" not in select and "Alice Co" in select and "Bob Co" not in select


def test_the_pool_form_speaks_plain_words(admin_client_for_account):
    html = admin_client_for_account.get(reverse("admin:pools_pool_add")).content.decode()
    assert "Lease minutes" not in html and ">Exhaustion" not in html
    assert "Visitor keeps the number for (minutes)" in html and "When every number is in use" in html
    assert "“Flagged” (the FAQ" in html


def test_the_number_form_explains_flagged(admin_client_for_account, tracker):
    html = admin_client_for_account.get(reverse("admin:trackers_calltracker_change", args=[tracker.pk])).content.decode()
    assert "Flagged (the pool FAQ" in html and "still forwarding" in html

from django.urls import reverse

from tests.factories import CallTrackerFactory, PoolFactory, UserFactory, WebsiteFactory


def test_account_admin_sees_only_their_accounts_pools(client, account, other_account, account_admin):
    mine = PoolFactory(account=account, name="Mine")
    PoolFactory(account=other_account, name="Theirs")
    client.force_login(account_admin)
    response = client.get(reverse("admin:pools_pool_changelist"))
    assert response.status_code == 200
    names = [pool.name for pool in response.context["cl"].result_list]
    assert names == [mine.name]


def test_account_admin_cannot_open_another_accounts_tracker(client, other_account, account_admin):
    theirs = CallTrackerFactory(pool=PoolFactory(account=other_account))
    client.force_login(account_admin)
    response = client.get(reverse("admin:trackers_calltracker_change", args=[theirs.pk]))
    # Django's admin redirects to the index with "doesn't exist" for objects outside the queryset.
    assert response.status_code == 302
    assert "doesn’t exist" in str(list(response.wsgi_request._messages)[0])


def test_account_admin_website_choices_are_limited_to_their_account(client, account, other_account, account_admin):
    WebsiteFactory(account=account, name="Ours")
    WebsiteFactory(account=other_account, name="Not ours")
    client.force_login(account_admin)
    response = client.get(reverse("admin:pools_pool_add"))
    websites = [str(choice[1]) for choice in response.context["adminform"].form.fields["website"].choices]
    assert "Ours" in websites and "Not ours" not in websites


def test_superuser_sees_every_account(client, account, other_account):
    PoolFactory(account=account)
    PoolFactory(account=other_account)
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:pools_pool_changelist"))
    assert len(response.context["cl"].result_list) == 2


def test_a_marketer_cannot_use_the_admin(client, marketer):
    marketer.is_staff = True
    marketer.save()
    client.force_login(marketer)
    response = client.get(reverse("admin:pools_pool_changelist"))
    assert response.status_code == 403


def test_the_row_checkbox_is_djangos_html_written_out(client, account, account_admin):
    from django.contrib import admin as django_admin

    from calls.models import Call
    from tests.factories import CallFactory

    call = CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account)), provider_call_id='CA<"&>')
    model_admin = django_admin.site._registry[Call]
    assert model_admin.action_checkbox(call) == django_admin.ModelAdmin.action_checkbox(model_admin, call)
    assert "CA&lt;&quot;&amp;&gt;" in model_admin.action_checkbox(call)
    client.force_login(account_admin)
    response = client.get(reverse("admin:calls_call_changelist"))
    assert f'value="{call.pk}" class="action-select"' in response.content.decode()

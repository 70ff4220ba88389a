from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Max
from django.utils import timezone

from accounts.models import Account, Website
from attribution.models import Visit
from calls.models import Call
from pools.models import Pool
from trackers.models import CallTracker

pytestmark = pytest.mark.slow  # seed_demo writes a whole demo account


def _seed():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_creates_the_documented_demo_and_prints_the_login(db):
    output = _seed()
    assert "Admin login: admin / " in output
    account = Account.objects.get(name="Demo Co")
    website = Website.objects.get(key="demo", account=account)
    assert website.allows_origin("http://localhost:8123") and website.allows_origin("http://127.0.0.1:8000")
    main = Pool.objects.get(name="Main line")
    assert (main.tracking, main.original_number, main.lease_minutes) == ("visitor", "+12025550100", 30)
    assert CallTracker.objects.live().filter(pool=main, status="active").count() == 10
    service = Pool.objects.get(name="Service line")
    assert (service.kind, service.tracking, service.size, float(service.utilization)) == ("automated", "source", 6, 0.5)
    assert CallTracker.objects.live().filter(pool=service, status="active").exists()
    assert Visit.objects.filter(website=website).count() > 0
    assert Call.objects.filter(account=account).count() > 0


def test_a_fresh_demo_reaches_up_to_the_last_hour_and_nothing_is_in_the_future(db):
    before = timezone.now()
    _seed()
    after = timezone.now()
    calls = Call.objects.filter(account__name="Demo Co")
    newest = calls.aggregate(started=Max("started_at"), answered=Max("answered_at"), ended=Max("ended_at"))
    assert newest["started"] > before - timedelta(hours=1), "today and the last 7 days have calls"
    assert max(newest.values()) <= after
    assert calls.filter(started_at__lt=before - timedelta(days=6)).exists(), "the calls span the week"
    visits = Visit.objects.filter(website__key="demo").aggregate(started=Max("started_at"), seen=Max("last_seen_at"),
                                                                  viewed=Max("page_views__viewed_at"))
    assert max(visits.values()) <= after


def test_seed_demo_is_idempotent(db):
    _seed()
    counts = (Pool.objects.count(), CallTracker.objects.count(), Visit.objects.count(), Call.objects.count())
    _seed()
    assert (Pool.objects.count(), CallTracker.objects.count(), Visit.objects.count(), Call.objects.count()) == counts


def test_seed_demo_derives_conversions_from_its_rule_and_keeps_a_changed_rule(db):
    from calls.models import ConversionRule

    _seed()
    rule = ConversionRule.objects.get(website__key="demo")
    calls = Call.objects.filter(account__name="Demo Co")
    converting = calls.filter(is_conversion=True)
    assert converting.exists() and calls.filter(is_conversion=False).exists()
    assert not converting.filter(talk_seconds__lt=rule.min_seconds).exists()
    assert set(converting.values_list("conversion_value", flat=True)) == {rule.value}
    ConversionRule.objects.filter(pk=rule.pk).update(min_seconds=5)
    _seed()
    assert ConversionRule.objects.get(pk=rule.pk).min_seconds == 5
def test_seed_demo_keeps_a_password_changed_since(db):
    from django.contrib.auth import get_user_model

    _seed()
    admin = get_user_model().objects.get(username="admin")
    admin.set_password("a-new-long-private-passphrase")
    admin.save()
    output = _seed()  # what every `make run` does
    admin.refresh_from_db()
    assert admin.check_password("a-new-long-private-passphrase")
    assert not admin.check_password("callpool-demo")
    assert "admin (existing user; its password was kept)" in output
    assert "callpool-demo" not in output


def test_seed_demo_marks_first_time_callers_by_start_time(db):
    _seed()
    seen = set()
    for call in Call.objects.order_by("started_at", "id"):
        assert call.is_first_time_caller == (call.caller_number not in seen), call.provider_call_id
        seen.add(call.caller_number)


def test_seed_demo_visits_follow_the_keyword_page_and_channel_rules(db):
    _seed()
    visits = Visit.objects.all()
    terms = set(visits.values_list("term", flat=True))
    assert {"(not set)", "(not provided)", "emergency plumber near me", "plumber", ""} <= terms
    pages = set(visits.values_list("landing_page_key", flat=True))
    assert pages == {"localhost/", "localhost/services/drains", "localhost/services/water-heaters", "localhost/contact", "localhost/pricing"}
    assert {"Paid Search", "Organic Search", "Direct", "Organic Social", "Email"} == set(visits.values_list("channel", flat=True))
    visit = visits.filter(pageviews__gt=1).first()
    assert visit.page_views.count() == visit.pageviews


@pytest.mark.parametrize("username", ["admin", "marketer"])
def test_seed_demo_never_adds_another_accounts_existing_login_to_demo_co(db, username):
    from accounts.models import Membership
    from tests.factories import AccountFactory, MembershipFactory, UserFactory

    theirs = AccountFactory(name="Real Plumbing Ltd")
    user = UserFactory(username=username)
    MembershipFactory(account=theirs, user=user, role="admin")

    output = _seed()

    assert list(Membership.objects.filter(user=user).values_list("account__name", "role")) == [("Real Plumbing Ltd", "admin")]
    assert f"{username} is a user of another account; not added to Demo Co" in output
    other = "marketer" if username == "admin" else "admin"
    assert Membership.objects.filter(user__username=other, account__name="Demo Co").exists()


@pytest.mark.parametrize("password", ["short", "12345678901", "password123", "qwertyuiop"])
def test_seed_demo_refuses_a_demo_password_the_validators_refuse(db, monkeypatch, password):
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError

    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", password)
    with pytest.raises(CommandError, match="DEMO_ADMIN_PASSWORD can't be the password of “admin”"):
        _seed()
    assert not get_user_model().objects.exists() and not Account.objects.exists()

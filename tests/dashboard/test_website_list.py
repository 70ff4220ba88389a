import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from api.services import api_token_create
from tests.factories import WebsiteFactory

URL = reverse("dashboard:website_list")


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = "https://calls.example.com"  # the snippets name this install's public address


def test_install_page_shows_the_script_tag_notes_and_allowed_origins(marketer_client, website):
    body = marketer_client.get(URL).content.decode()
    assert ('&lt;script async src=&quot;https://calls.example.com/dni/alicesite.js&quot; data-no-optimize=&quot;1&quot; '
            'data-cfasync=&quot;false&quot; nowprocket&gt;&lt;/script&gt;') in body
    assert "format-detection" in body and "telephone=no" in body
    assert "https://alice.example.com" in body
    assert "Not seen yet" in body


def test_install_check_shows_when_and_where_the_snippet_was_seen(marketer_client, website):
    website.snippet_seen_at = timezone.now()
    website.snippet_seen_origin = "https://www.alice.example.com"
    website.save()
    body = marketer_client.get(URL).content.decode()
    assert "Installed · last seen just now on https://www.alice.example.com" in body
    assert "0 minutes" not in body


def test_website_without_origins_warns(marketer_client, account):
    WebsiteFactory(account=account, allowed_origins=[])
    assert "refuses every page" in marketer_client.get(URL).content.decode()


def test_another_accounts_websites_never_appear(marketer_client, website, other_account):
    WebsiteFactory(account=other_account, name="Bob site", key="bobkey")
    body = marketer_client.get(URL).content.decode()
    assert "bobkey" not in body and "Bob site" not in body


def test_empty_state_says_what_to_do(marketer_client, db):
    assert "No websites yet." in marketer_client.get(URL).content.decode()


def test_anonymous_is_redirected_to_login(client):
    assert client.get(URL).status_code == 302


def test_install_query_count_is_pinned(marketer_client, website, account, django_assert_num_queries):
    WebsiteFactory(account=account)
    # session, user, membership, websites (filter), websites with pool counts, the rollup's reach, untagged ad clicks
    # per website (nothing rolled up: live only), their conversion rules, refused origins, live pools
    with django_assert_num_queries(10):
        marketer_client.get(URL)


def test_install_page_shows_each_websites_conversion_rule(marketer_client, website, account):
    from decimal import Decimal

    from calls.models import ConversionRule

    ConversionRule.objects.create(website=website, min_seconds=60, first_time_only=True, value=Decimal("40"))
    WebsiteFactory(account=account, name="Default site")
    body = marketer_client.get(URL).content.decode()
    assert "at least <strong>60 s</strong>, from a <strong>first-time caller</strong>" in body
    assert "<strong>40.00 USD</strong>" in body
    # A website without a saved rule shows the defaults.
    assert "at least <strong>30 s</strong>;" in body and "<strong>0.00 USD</strong>" in body


def test_copied_snippet_holds_the_ios_meta_tag_and_the_script_tag(marketer_client, website):
    from accounts.snippet import snippet_html

    body = marketer_client.get(URL).content.decode()
    pre = body.split(f'<pre id="snippet-{website.pk}">')[1].split("</pre>")[0]
    assert pre.startswith("&lt;meta name=&quot;format-detection&quot; content=&quot;telephone=no&quot;&gt;\n&lt;script async")
    assert snippet_html(website).splitlines()[1].startswith('<script async src="https://calls.example.com/dni/alicesite.js"')


def test_website_without_pools_warns(marketer_client, website):
    assert "This website has no pools" in marketer_client.get(URL).content.decode()


def test_website_with_a_pool_has_no_pool_warning(marketer_client, website):
    from tests.factories import PoolFactory

    PoolFactory(account=website.account, website=website)
    assert "This website has no pools" not in marketer_client.get(URL).content.decode()


def test_blocked_origin_is_shown_with_what_to_do(marketer_client, website, client):
    from django.core.cache import cache

    cache.clear()  # the refusal is recorded at most once a minute per origin
    client.options("/dni/alicesite/assign", HTTP_ORIGIN="https://shop.alice.example.com",
                   HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    body = marketer_client.get(URL).content.decode()
    assert "the script was refused on these host names" in body
    assert "<code>shop.alice.example.com</code>" in body and "if one of them is really your site" in body


def test_blocked_origin_disappears_once_it_is_allowed(marketer_client, website):
    from accounts.models import RefusedOrigin

    RefusedOrigin.objects.create(website=website, origin="https://shop.alice.example.com",
                                 first_seen_at=timezone.now(), last_seen_at=timezone.now())
    website.allowed_origins = ["https://alice.example.com", "https://shop.alice.example.com"]
    website.save()
    assert "The script was blocked" not in marketer_client.get(URL).content.decode()


def test_another_accounts_blocked_origins_never_appear(marketer_client, website, other_account):
    from accounts.models import RefusedOrigin

    bob = WebsiteFactory(account=other_account, name="Bob site", key="bobkey")
    RefusedOrigin.objects.create(website=bob, origin="https://bob-secret.example.com",
                                 first_seen_at=timezone.now(), last_seen_at=timezone.now())
    assert "bob-secret" not in marketer_client.get(URL).content.decode()


def test_amp_snippet_per_live_pool(marketer_client, website):
    from tests.factories import PoolFactory

    pool = PoolFactory(account=website.account, website=website, name="Main line", visitor=True, original_number="+12025550100")
    PoolFactory(account=website.account, website=website, name="Old line", retired_at=timezone.now())
    body = marketer_client.get(URL).content.decode()
    assert "custom-element=&quot;amp-call-tracking&quot;" in body
    assert (f"&lt;amp-call-tracking config=&quot;https://calls.example.com/dni/alicesite/amp.json?pool={pool.pk}"
            "&amp;client_id=CLIENT_ID(callpool)&amp;page_url=SOURCE_URL&amp;referrer=DOCUMENT_REFERRER&quot;&gt;") in body
    assert "&lt;a href=&quot;tel:+12025550100&quot;&gt;(202) 555-0100&lt;/a&gt;" in body
    assert body.count('<pre id="amp-') == 1


def test_install_page_and_api_show_the_same_script_tag(marketer_client, website, account):
    _, key = api_token_create(account=account, scope="read")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    snippet = api.get("/api/v1/websites/").json()["results"][0]["snippet"]
    assert "nowprocket" in snippet
    assert escape(snippet) in marketer_client.get(URL).content.decode()


def test_install_notes_document_data_hide_and_the_subdomain_cookie(marketer_client, website):
    body = marketer_client.get(URL).content.decode()
    assert "<code>data-hide=\".phone\"</code>" in body and "data-hide-timeout" in body and "default 500" in body
    assert "_callpool" in body


PLANTED = "https://add-https-evil-example-to-your-allowed-origins.evil.example:8443"


def _refused(website, origin=PLANTED):
    from accounts.services import refused_origin_record

    return refused_origin_record(website=website, origin=origin, now=timezone.now())


def test_refused_origins_show_host_names_only_marked_unverified(marketer_client, website):
    # Issue 28 #8: an outsider sends any Origin header; the page never repeats it as an instruction.
    _refused(website)
    body = marketer_client.get(URL).content.decode()
    assert "<code>add-https-evil-example-to-your-allowed-origins.evil.example</code>" in body
    assert PLANTED not in body and ":8443" not in body
    assert "unverified" in body
    assert "Dismiss" not in body  # marketers read; account admins dismiss


def test_text_that_is_no_origin_is_never_recorded_or_shown(client, marketer_client, website):
    planted = "https://evil.example add https://evil.example to your allowed origins"
    r = client.post("/dni/alicesite/assign", data='{"page_url": "https://x/"}', content_type="application/json",
                    HTTP_ORIGIN=planted)
    assert r.status_code == 403
    body = marketer_client.get(URL).content.decode()
    assert "to your allowed origins" not in body and "evil.example" not in body


def test_an_admin_dismisses_a_refused_origin_and_it_stays_dismissed(client, account_admin, website):
    from accounts.models import AuditEntry, RefusedOrigin

    row = _refused(website)
    client.force_login(account_admin)
    assert "Dismiss add-https-evil-example" in client.get(URL).content.decode()
    r = client.post(reverse("dashboard:refused_origin_dismiss", args=[row.pk]))
    assert r.status_code == 302
    assert RefusedOrigin.objects.get(pk=row.pk).dismissed_at is not None
    assert AuditEntry.objects.filter(action="website.refused_origin_dismissed", actor=account_admin).exists()
    from django.core.cache import cache

    cache.clear()  # the same origin sent again later …
    _refused(website)
    assert 'class="refused-origin"' not in client.get(URL).content.decode()  # … stays dismissed


def test_dismissed_origins_free_their_place_for_new_ones(website):
    from accounts.models import RefusedOrigin
    from accounts.services import REFUSED_ORIGINS_PER_WEBSITE

    for n in range(REFUSED_ORIGINS_PER_WEBSITE):
        _refused(website, f"https://planted{n}.example")
    assert _refused(website, "https://www.alice-shop.example") is None  # full
    RefusedOrigin.objects.filter(website=website).update(dismissed_at=timezone.now())
    from django.core.cache import cache

    cache.clear()  # a minute later
    assert _refused(website, "https://www.alice-shop.example") is not None


def test_marketers_and_other_accounts_cannot_dismiss(client, marketer_client, website, other_account, other_admin):
    from accounts.models import RefusedOrigin

    row = _refused(website)
    assert marketer_client.post(reverse("dashboard:refused_origin_dismiss", args=[row.pk])).status_code == 403
    client.force_login(other_admin)
    client.post(reverse("dashboard:refused_origin_dismiss", args=[row.pk]))
    assert RefusedOrigin.objects.get(pk=row.pk).dismissed_at is None


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Kolkata", "Pacific/Auckland"])
def test_untagged_ad_clicks_from_the_rollup_plus_today_equal_the_raw_count(account, website, zone):
    """Closed days from ReportDay ("term"), the rest live: the same count as over the raw visits, in any time zone,
    for every range and website filter, at any point the rollup has reached, visits on both sides of midnight."""
    import random
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from attribution.classification import NOT_SET
    from attribution.models import Visit
    from dashboard.filters import DashboardFilters
    from dashboard.selectors.websites import website_untagged_paid_clicks
    from reports.models import RollupState
    from reports.services import rollup_refresh
    from tests.factories import VisitFactory

    account.timezone = zone
    account.save()
    tz = ZoneInfo(zone)
    other = WebsiteFactory(account=account)
    rng = random.Random(zone)
    today = timezone.now().astimezone(tz).date()
    for _ in range(60):
        day = today - timedelta(days=rng.randrange(0, 40))
        at = datetime.combine(day, time.min, tzinfo=tz) + timedelta(minutes=rng.choice([0, 1, 30, 719, 1439]))
        VisitFactory(website=rng.choice([website, other]), source="google", medium="cpc",
                     term=rng.choice([NOT_SET, NOT_SET, "plumber", ""]), is_bot=rng.random() < 0.1,
                     started_at=min(at, timezone.now()))

    def raw(start: date, end: date, site) -> dict[int, int]:
        rows = Visit.objects.filter(website__account=account, is_bot=False, term=NOT_SET,
                                    started_at__gte=datetime.combine(start, time.min, tzinfo=tz),
                                    started_at__lt=datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz))
        counts: dict[int, int] = {}
        for website_id in rows.filter(**({"website": site} if site else {})).values_list("website_id", flat=True):
            counts[website_id] = counts.get(website_id, 0) + 1
        return counts

    ranges = [(today - timedelta(days=29), today), (today - timedelta(days=6), today), (today - timedelta(days=35), today - timedelta(days=3)),
              (today, today)]
    for through in (None, today - timedelta(days=10), today):
        if through is not None:
            rollup_refresh(account=account, through=through)
            assert RollupState.objects.get(account=account).rolled_through == through
        for start, end in ranges:
            for site in (None, website, other):
                filters = DashboardFilters("custom", start, end, tz, site, [website, other])
                assert website_untagged_paid_clicks(account=account, filters=filters) == raw(start, end, site)

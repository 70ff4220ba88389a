"""The leave beacon and consent mode in real Chromium against the live server (Playwright, Debian chromium)."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from attribution.models import Visit
from trackers.models import CallTracker, Lease

pytestmark = pytest.mark.browser

ORIGINAL_TEXT = "Call (202) 555-0100"


def wait_until(predicate, timeout=10.0):
    """The beacon is handled by the live server's thread after the navigation: poll the database for it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def open_demo(page, path="/dni/demo/"):
    with page.expect_response(lambda r: r.url.endswith("/assign") and r.request.method == "POST"):
        page.goto(path)
    page.wait_for_function("() => document.querySelector('.num').textContent !== '2025550100'")
    return page.text_content(".num")


def test_leaving_shortens_the_lease_to_the_grace_period_and_the_next_page_renews_it(demo_site, new_page, settings):
    settings.DNI_LEAVE_GRACE_SECONDS = 120
    page = new_page(beacons=True)
    number = open_demo(page)
    left_at = timezone.now()
    page.goto("/healthz")  # a page without the script: the visitor left
    assert wait_until(lambda: Lease.objects.get().expires_at < left_at + timedelta(minutes=3))
    lease = Lease.objects.get()
    assert left_at + timedelta(seconds=120) <= lease.expires_at <= timezone.now() + timedelta(seconds=120)
    assert lease.ended_at is None

    assert open_demo(page, "/dni/demo/?page=2") == number  # within the grace period: same session, same number
    assert Lease.objects.count() == 1
    assert Lease.objects.get().expires_at > timezone.now() + timedelta(minutes=29)


@pytest.fixture
def leaves(monkeypatch):
    """Every leave beacon the server handled (the real service still runs)."""
    from dni_snippet import views

    seen, real = [], views.dni_leave

    def recording(**kwargs):
        seen.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(views, "dni_leave", recording)
    return seen


# The beacon and the next page's assign reach the server at the same moment: SQLite's in-memory test database
# refuses concurrent writers from two threads, PostgreSQL is what runs this.
@pytest.mark.postgres
def test_moving_between_pages_keeps_the_full_lease(demo_site, new_page, leaves):
    page = new_page(beacons=True)
    number = open_demo(page)
    assert open_demo(page, "/dni/demo/?page=2") == number
    assert wait_until(lambda: len(leaves) == 1)
    assert leaves[0]["seen_expires_at"] is not None
    # The beacon carried the first page's expiry: whichever request the server handled last, the lease stays long.
    assert Lease.objects.count() == 1
    assert Lease.objects.get().expires_at > timezone.now() + timedelta(minutes=29)


def test_after_the_grace_period_the_number_goes_to_the_next_visitor(demo_site, new_page):
    CallTracker.objects.exclude(pk=demo_site["trackers"][0].pk).filter(pool=demo_site["main"]).update(status="available")
    first = new_page(beacons=True)
    number = open_demo(first)
    left_at = timezone.now()
    first.goto("/healthz")
    assert wait_until(lambda: Lease.objects.get().expires_at < left_at + timedelta(minutes=3))
    # The grace period has passed (time moved by hand: a test never sleeps two minutes).
    Lease.objects.update(started_at=timezone.now() - timedelta(minutes=5), expires_at=timezone.now() - timedelta(seconds=1))
    assert open_demo(new_page()) == number
    assert Lease.objects.filter(ended_at__isnull=True).count() == 1


def test_a_cross_origin_sites_beacon_shortens_the_lease_without_a_preflight(demo_site, new_page, shop_origin):
    page = new_page(beacons=True)
    preflights = []
    page.on("request", lambda r: preflights.append(r.url) if r.method == "OPTIONS" and r.url.endswith("/leave") else None)
    with page.expect_response(lambda r: r.url.endswith("/assign") and r.request.method == "POST"):
        page.goto(f"{shop_origin}/")
    page.wait_for_function("() => document.getElementById('n').textContent !== 'Call (202) 555-0100'")
    left_at = timezone.now()
    page.goto("about:blank")
    assert wait_until(lambda: Lease.objects.get().expires_at < left_at + timedelta(minutes=3))
    assert preflights == []


def test_a_page_on_an_origin_not_allowed_is_recorded_for_the_install_page(demo_site, new_page, shop_origin):
    from accounts.models import RefusedOrigin, Website

    Website.objects.filter(pk=demo_site["website"].pk).update(allowed_origins=["http://localhost:*"])
    page = new_page()
    with page.expect_event("requestfailed", predicate=lambda r: r.url.endswith("/assign")):
        page.goto(f"{shop_origin}/")
    assert page.text_content("#n") == "Call (202) 555-0100"
    assert RefusedOrigin.objects.get().origin == shop_origin


GA_COOKIES = [("_ga", "GA1.1.1234567890.1700000000"), ("_ga_ABC123", "GS1.1.1700000123.1.1.1700000200.0.0.0")]
# What the script keeps where: its keys in each storage, its cookies, and the session record in sessionStorage
# (denied consent) and in the `_callpool` cookie (granted).
STORAGE = """() => {
  const ours = (k) => k.startsWith('cp_') || k.startsWith('_callpool');
  const pick = (s) => Object.fromEntries(Object.keys(s).filter(ours).map(k => [k, s.getItem(k)]));
  const cookies = document.cookie.split('; ').filter(ours);
  const cookie = cookies.find(c => c.startsWith('_callpool='));
  return {local: pick(localStorage), session: pick(sessionStorage), cookies: cookies,
          in_session: JSON.parse(sessionStorage.getItem('_callpool')),
          in_cookie: cookie ? JSON.parse(decodeURIComponent(cookie.slice('_callpool='.length))) : null};
}"""
CONSENT_PAGE = """<!doctype html><html><head><title>Consent</title>
<script async data-consent="denied" src="/dni/demo.js"></script></head>
<body><p class="num">2025550100</p></body></html>"""


def with_ga_cookies(page, live_server):
    page.context.add_cookies([{"name": n, "value": v, "url": live_server.url} for n, v in GA_COOKIES])
    return page


def assert_session_only(storage):
    assert storage["local"] == {} and storage["cookies"] == []
    assert storage["in_session"]["v"] and storage["in_session"]["s"] and storage["in_session"]["t"]


def upgrade(page):
    with page.expect_response(lambda r: r.url.endswith("/assign")):
        page.evaluate("() => window.callpool.consent(true)")
    page.wait_for_function("() => localStorage.getItem('cp_g')")


def test_data_consent_denied_swaps_with_session_storage_only_until_consent_is_granted(demo_site, new_page, live_server):
    page = with_ga_cookies(new_page(), live_server)
    page.route("**/consent-page", lambda route: route.fulfill(status=200, content_type="text/html", body=CONSENT_PAGE))
    number = open_demo(page, "/consent-page")
    storage = page.evaluate(STORAGE)
    assert_session_only(storage)
    visit = Visit.objects.get()
    assert (visit.ga_client_id, visit.ga_session_id) == ("", "")
    assert visit.session_uid == storage["in_session"]["s"]

    upgrade(page)
    upgraded = page.evaluate(STORAGE)
    assert upgraded["session"] == {}
    assert upgraded["in_cookie"]["s"] == storage["in_session"]["s"]
    assert upgraded["in_cookie"]["v"] == upgraded["local"]["cp_v"] == storage["in_session"]["v"]
    visit.refresh_from_db()
    assert (visit.ga_client_id, visit.ga_session_id) == ("1234567890.1700000000", "1700000123")
    assert page.text_content(".num") == number and Lease.objects.count() == 1


def test_consent_mode_denied_in_the_data_layer_then_granted_by_a_consent_update(demo_site, new_page, live_server):
    page = with_ga_cookies(new_page(), live_server)
    page.add_init_script("""
      window.dataLayer = window.dataLayer || [];
      window.gtag = function () { dataLayer.push(arguments); };
      gtag('consent', 'default', {ad_storage: 'denied', analytics_storage: 'denied'});
    """)
    number = open_demo(page)
    assert number != "2025550100"
    assert_session_only(page.evaluate(STORAGE))
    assert Visit.objects.get().ga_client_id == ""

    page.evaluate("() => gtag('consent', 'update', {analytics_storage: 'granted'})")
    with page.expect_response(lambda r: r.url.endswith("/assign")):
        page.evaluate("() => window.callpool.refresh()")
    page.wait_for_function("() => localStorage.getItem('cp_g')")
    storage = page.evaluate(STORAGE)
    assert storage["session"] == {} and storage["in_cookie"]["s"] == Visit.objects.get().session_uid
    assert Visit.objects.get().ga_client_id == "1234567890.1700000000"


def test_consent_false_moves_the_ids_out_of_persistent_storage_and_keeps_the_number(demo_site, new_page):
    page = new_page()
    number = open_demo(page)
    before = page.evaluate(STORAGE)
    assert before["in_cookie"]["s"] and before["local"]["cp_v"] and before["session"] == {}
    with page.expect_response(lambda r: r.url.endswith("/assign")):
        page.evaluate("() => window.callpool.consent(false)")
    after = page.evaluate(STORAGE)
    assert_session_only(after)
    assert after["in_session"]["s"] == before["in_cookie"]["s"]
    assert page.text_content(".num") == number and Lease.objects.count() == 1

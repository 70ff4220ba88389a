"""The snippet in real Chromium against the live server (Playwright, Debian chromium)."""

import re
import statistics

import pytest

from accounts.models import Website
from dni_snippet.views import demo_formats
from trackers.models import Lease

pytestmark = pytest.mark.browser

MAIN_ORIGINAL = "+12025550100"
SERVICE_ORIGINAL = "+12025550150"


def reshape(form: str, e164: str) -> str:
    """`form` (an original number written some way) rewritten with e164's digits, keeping the shape."""
    want = iter(re.sub(r"\D", "", e164)[-len(re.sub(r"\D", "", form)):])
    return re.sub(r"\d", lambda m: next(want), form)


def open_demo(page):
    page.goto("/dni/demo/")
    page.wait_for_function("() => !document.querySelector('.num').textContent.includes('555')"
                           " || document.querySelector('.num').textContent !== '2025550100'")
    page.wait_for_function("(o) => document.querySelector('.num').textContent !== o", arg="2025550100")


def leased_number(session_count=1):
    leases = list(Lease.objects.select_related("tracker").order_by("pk"))
    assert len(leases) == session_count
    return leases[-1].tracker.tracking_number


def test_every_format_of_both_pools_is_swapped_in_its_own_shape(demo_site, new_page):
    page = new_page()
    open_demo(page)
    tracking = leased_number()
    sections = page.query_selector_all(".pool")
    main_texts = [li.text_content() for li in sections[0].query_selector_all(".num")]
    service_texts = [li.text_content() for li in sections[1].query_selector_all(".num")]
    assert main_texts == [reshape(f, tracking) for f in demo_formats(MAIN_ORIGINAL)]
    assert service_texts == [reshape(f, demo_site["direct"].tracking_number) for f in demo_formats(SERVICE_ORIGINAL)]
    assert len(main_texts) == 19


def test_tel_links_title_attributes_and_document_title_are_swapped(demo_site, new_page):
    page = new_page()
    open_demo(page)
    tracking = leased_number()
    assert page.get_attribute("#tel-0", "href") == f"tel:{tracking}"
    assert page.get_attribute("#tel-0", "title") == f"Call {reshape('(202) 555-0100', tracking)}"
    assert page.title().startswith(f"Call {reshape('(202) 555-0100', tracking)}")


def test_json_ld_noswap_and_form_fields_are_untouched(demo_site, new_page):
    page = new_page()
    open_demo(page)
    assert MAIN_ORIGINAL in page.text_content("#jsonld")
    assert page.text_content("#noswap") == "Never swapped: (202) 555-0100"
    assert page.input_value("#field") == "(202) 555-0100"


def test_late_content_and_in_place_edits_are_swapped(demo_site, new_page):
    page = new_page()
    open_demo(page)
    tracking = leased_number()
    page.wait_for_selector(".late")
    page.wait_for_function("(t) => document.querySelector('.late b').textContent === t", arg=reshape("(202) 555-0100", tracking))
    page.evaluate("document.querySelector('.late b').firstChild.nodeValue = '202.555.0100'")
    page.wait_for_function("(t) => document.querySelector('.late b').textContent === t", arg=reshape("202.555.0100", tracking))


def test_same_number_after_reload(demo_site, new_page):
    page = new_page()
    open_demo(page)
    first = page.text_content(".num")
    page.reload()
    open_demo(page)
    assert page.text_content(".num") == first
    assert Lease.objects.count() == 1


def test_two_browsers_get_two_different_numbers(demo_site, new_page):
    a, b = new_page(), new_page()
    open_demo(a)
    open_demo(b)
    assert a.text_content(".num") != b.text_content(".num")
    assert Lease.objects.filter(ended_at__isnull=True).values("tracker").distinct().count() == 2


def test_server_down_leaves_the_original_numbers(demo_site, new_page):
    page = new_page()
    page.route("**/dni/demo/assign", lambda route: route.abort("connectionrefused"))
    with page.expect_event("requestfailed", predicate=lambda r: r.url.endswith("/assign")):
        page.goto("/dni/demo/")
    page.wait_for_selector(".late")
    assert page.text_content(".num") == "2025550100"
    assert page.text_content(".late b") == "(202) 555-0100"
    assert page.get_attribute("#tel-0", "href") == f"tel:{MAIN_ORIGINAL}"


def test_server_error_leaves_the_original_numbers(demo_site, new_page):
    page = new_page()
    page.route("**/dni/demo/assign", lambda route: route.fulfill(status=500, body="boom"))
    with page.expect_response(lambda r: r.url.endswith("/assign")):
        page.goto("/dni/demo/")
    page.evaluate("() => new Promise(r => setTimeout(r, 50))")
    assert page.text_content(".num") == "2025550100"


def test_full_rescan_of_a_5000_element_page_is_within_budget(demo_site, new_page):
    page = new_page()
    open_demo(page)
    timings = page.evaluate(
        """() => {
          const root = document.createElement('div');
          root.id = 'big';
          for (let i = 0; i < 5000; i++) {
            const p = document.createElement(i % 5 ? 'span' : 'p');
            p.textContent = i % 100 ? 'Lorem ipsum dolor sit amet ' + i : 'Call 202-555-0100 today';
            root.appendChild(p);
          }
          document.body.appendChild(root);
          window.callpool.swap();
          const runs = [];
          for (let i = 0; i < 15; i++) {
            const t0 = performance.now();
            window.callpool.swap();
            runs.push(performance.now() - t0);
          }
          return runs;
        }"""
    )
    median = statistics.median(timings)
    print(f"\nswap of a 5,000-element page: median {median:.2f} ms, min {min(timings):.2f} ms")
    tracking = leased_number()
    big = page.text_content("#big")
    assert "202-555-0100" not in big
    assert big.count(reshape("202-555-0100", tracking)) == 50
    # The 5 ms budget is asserted by `make bench BENCH=swap` on quiet cores; here only a ceiling that catches
    # a regression by an order of magnitude without failing when CI shares the machine.
    assert median <= 50.0


def test_cross_origin_site_gets_its_number_through_cors(demo_site, new_page, shop_origin):
    page = new_page()
    with page.expect_response(lambda r: r.url.endswith("/assign") and r.request.method == "POST"):
        page.goto(f"{shop_origin}/")
    page.wait_for_function("() => document.getElementById('n').textContent !== 'Call (202) 555-0100'")
    assert page.text_content("#n") == f"Call {reshape('(202) 555-0100', leased_number())}"


def test_origin_not_allowed_keeps_the_original(demo_site, new_page, shop_origin):
    Website.objects.filter(pk=demo_site["website"].pk).update(allowed_origins=["http://localhost:*"])
    page = new_page()
    with page.expect_event("requestfailed", predicate=lambda r: r.url.endswith("/assign")):
        page.goto(f"{shop_origin}/")
    assert page.text_content("#n") == "Call (202) 555-0100"
    assert not Lease.objects.exists()


def test_ga_ids_are_read_from_the_ga_cookies(demo_site, new_page, live_server):
    page = new_page()
    page.context.add_cookies([
        {"name": "_ga", "value": "GA1.1.1234567890.1700000000", "url": live_server.url},
        {"name": "_ga_ABC123", "value": "GS1.1.1700000123.1.1.1700000200.0.0.0", "url": live_server.url},
    ])
    open_demo(page)
    visit = Lease.objects.select_related("visit").get().visit
    assert (visit.ga_client_id, visit.ga_session_id) == ("1234567890.1700000000", "1700000123")


def test_ga_ids_come_from_gtag_get_when_gtag_is_there(demo_site, new_page):
    page = new_page()
    page.add_init_script("""
      window.dataLayer = [['config', 'G-TEST42']];
      window.gtag = function (cmd, id, field, cb) {
        if (cmd === 'get' && id === 'G-TEST42') setTimeout(function () { cb(field === 'client_id' ? '555.666' : '777'); }, 0);
      };
    """)
    open_demo(page)
    page.wait_for_function("() => localStorage.getItem('cp_g') && localStorage.getItem('cp_g').endsWith('|555.666|777')")
    visit = Lease.objects.select_related("visit").get().visit
    assert (visit.ga_client_id, visit.ga_session_id) == ("555.666", "777")

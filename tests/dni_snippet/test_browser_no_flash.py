"""No flash of the original number, in real Chromium: a running session's page shows the numbers the session holds
before the assign answer; a first page view may hide chosen elements (`data-hide`) until the swap, never longer
than `data-hide-timeout`. The assign request is held back by the test to see the page before the answer."""

import json

import pytest

pytestmark = pytest.mark.browser

ORIGINAL_TEXT = "Call (202) 555-0100"
PAGE = """<!doctype html><html><head><title>Shop</title>
<script src="/dni/demo.js" {attrs}></script></head>
<body><p id="n">Call (202) 555-0100</p></body></html>"""
# What the page showed when DOMContentLoaded fired, and whether #n was visible then.
AT_DCL = """document.addEventListener('DOMContentLoaded', () => {
  const n = document.getElementById('n');
  window.atDCL = {text: n.textContent, visibility: getComputedStyle(n).visibility};
});"""
SESSION = """() => {
  const c = document.cookie.split('; ').find(c => c.startsWith('_callpool='));
  return c ? JSON.parse(decodeURIComponent(c.slice('_callpool='.length))) : null;
}"""


@pytest.fixture
def shop_page(demo_site, new_page):
    """A page in a fresh context; `attrs` go on the script tag. `hold()` keeps the next assign requests waiting
    until `release()` (then the test waits for the answer) or `drop()` (they fail: nothing reaches the live
    server once the test's database is gone)."""

    def make(attrs=""):
        page = new_page()
        page.add_init_script(AT_DCL)
        page.route("**/shop", lambda r: r.fulfill(content_type="text/html", body=PAGE.format(attrs=attrs)))
        held = []
        page.hold = lambda: page.route("**/assign", lambda route: held.append(route))
        page.release = lambda: [page.unroute("**/assign"), *(r.continue_() for r in held)]
        page.drop = lambda: [r.abort() for r in held]
        return page

    return make


def first_visit(page):
    with page.expect_response(lambda r: r.url.endswith("/assign")):
        page.goto("/shop")
    page.wait_for_function(f"() => document.getElementById('n').textContent !== '{ORIGINAL_TEXT}'")
    return page.text_content("#n")


def test_a_running_sessions_page_shows_its_number_before_the_answer(shop_page):
    page = shop_page()
    number = first_visit(page)
    page.hold()
    page.goto("/shop", wait_until="domcontentloaded")
    assert page.evaluate("() => window.atDCL.text") == number != ORIGINAL_TEXT
    page.drop()


def test_the_answer_corrects_a_held_number_that_changed(shop_page):
    page = shop_page()
    first_visit(page)

    def other_number(route):
        answer = route.fetch().json()
        answer["numbers"][0].update(tracking="+12025550199", display="(202) 555-0199")
        route.fulfill(content_type="application/json", body=json.dumps(answer))

    page.route("**/assign", other_number)
    page.goto("/shop")
    page.wait_for_function("() => document.getElementById('n').textContent === 'Call (202) 555-0199'")
    assert page.evaluate(SESSION)["n"]["12025550100"] == "12025550199"


def test_numbers_held_past_their_expiry_wait_for_the_answer(shop_page):
    page = shop_page()
    number = first_visit(page)
    page.evaluate("""() => {
      const r = JSON.parse(decodeURIComponent(document.cookie.match(/_callpool=([^;]*)/)[1]));
      r.e = Date.now() - 1000;
      document.cookie = '_callpool=' + encodeURIComponent(JSON.stringify(r)) + ';path=/;max-age=1800';
    }""")
    page.hold()
    page.goto("/shop", wait_until="domcontentloaded")
    assert page.evaluate("() => window.atDCL.text") == ORIGINAL_TEXT
    page.release()
    page.wait_for_function(f"() => document.getElementById('n').textContent === '{number}'")


def test_data_hide_hides_a_first_page_view_until_the_swap(shop_page):
    page = shop_page('data-hide="#n" data-hide-timeout="30000"')
    page.hold()
    page.goto("/shop", wait_until="domcontentloaded")
    assert page.evaluate("() => window.atDCL") == {"text": ORIGINAL_TEXT, "visibility": "hidden"}
    page.release()
    page.wait_for_function(f"() => document.getElementById('n').textContent !== '{ORIGINAL_TEXT}'")
    assert page.evaluate("() => getComputedStyle(document.getElementById('n')).visibility") == "visible"


def test_data_hide_never_hides_longer_than_its_timeout(shop_page):
    page = shop_page('data-hide="#n" data-hide-timeout="300"')
    page.hold()  # the answer never comes while the test looks
    page.goto("/shop", wait_until="domcontentloaded")
    assert page.evaluate("() => window.atDCL.visibility") == "hidden"
    page.wait_for_function("() => getComputedStyle(document.getElementById('n')).visibility === 'visible'",
                           timeout=5000)
    assert page.text_content("#n") == ORIGINAL_TEXT
    # Shown again after 300 ms, not when the answer finally arrives (a generous margin for a loaded machine).
    assert page.evaluate("() => performance.now()") < 3000
    page.drop()


def test_data_hide_is_not_applied_when_the_held_numbers_are_shown(shop_page):
    page = shop_page('data-hide="#n" data-hide-timeout="30000"')
    number = first_visit(page)
    page.hold()
    page.goto("/shop", wait_until="domcontentloaded")
    assert page.evaluate("() => window.atDCL") == {"text": number, "visibility": "visible"}
    page.drop()


def test_a_failed_answer_shows_the_hidden_elements_at_once(shop_page):
    page = shop_page('data-hide="#n" data-hide-timeout="30000"')
    page.route("**/assign", lambda r: r.fulfill(status=500, body="{}"))
    page.goto("/shop")
    page.wait_for_function("() => getComputedStyle(document.getElementById('n')).visibility === 'visible'",
                           timeout=5000)
    assert page.text_content("#n") == ORIGINAL_TEXT

"""One session across a site's subdomains, in real Chromium: `www.shop.example.com` and `book.shop.example.com`
both resolve to a loopback shop server (`--host-resolver-rules`), whose pages embed the live server's script."""

import http.server
import json
import threading
from urllib.parse import unquote

import pytest

from accounts.models import Website
from attribution.models import PageView, Visit
from tests.conftest import CHROMIUM_ARGS
from trackers.models import Lease

pytestmark = pytest.mark.browser

SHOP_PAGE = """<!doctype html><html><head><title>Shop</title>
<script src="{server}/dni/demo.js"></script></head>
<body><p id="n">Call (202) 555-0100</p></body></html>"""
ORIGINAL_TEXT = "Call (202) 555-0100"
SESSION = """() => {
  const c = document.cookie.split('; ').find(c => c.startsWith('_callpool='));
  return c ? JSON.parse(decodeURIComponent(c.slice('_callpool='.length))) : null;
}"""


@pytest.fixture(scope="module")
def chromium_args():
    # .com is a public suffix, so the registrable domain of both hosts is example.com (.test is not in the PSL).
    return [*CHROMIUM_ARGS, "--host-resolver-rules=MAP *.shop.example.com 127.0.0.1"]


@pytest.fixture
def shop(live_server, demo_site):
    """A loopback server answering every path with the shop page; the demo website allows both subdomains."""
    body = SHOP_PAGE.format(server=live_server.url).encode()

    class Shop(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    Website.objects.filter(pk=demo_site["website"].pk).update(
        allowed_origins=["http://www.shop.example.com:*", "http://book.shop.example.com:*"])
    yield lambda host, path="/": f"http://{host}.shop.example.com:{port}{path}"
    server.shutdown()
    server.server_close()


def visit(page, url):
    with page.expect_response(lambda r: r.url.endswith("/assign") and r.request.method == "POST") as answer:
        page.goto(url)
    page.wait_for_function(f"() => document.getElementById('n').textContent !== '{ORIGINAL_TEXT}'")
    return page.text_content("#n"), page.evaluate(SESSION), answer.value.json()


def test_www_and_book_subdomains_share_visitor_session_source_and_number(shop, new_page):
    page = new_page()
    www_number, www, www_answer = visit(page, shop("www", "/landing?utm_source=google&utm_medium=cpc"))
    book_number, book, _ = visit(page, shop("book", "/book"))

    assert www_answer["cookie_domain"] == "example.com"
    assert (book["v"], book["s"]) == (www["v"], www["s"])
    assert book_number == www_number != ORIGINAL_TEXT
    visit_row = Visit.objects.get()  # one visit: the ad click and keyword were kept
    assert (visit_row.session_uid, visit_row.source, visit_row.medium) == (www["s"], "google", "cpc")
    assert Lease.objects.count() == 1
    assert sorted(PageView.objects.values_list("path", flat=True)) == ["/book", "/landing"]
    [cookie] = [c for c in page.context.cookies() if c["name"] == "_callpool"]
    assert (cookie["domain"], cookie["sameSite"], cookie["secure"]) == (".example.com", "Lax", False)
    # Expires with the session (30 minutes after the last answer), not in two years.
    assert 0 < cookie["expires"] - json.loads(unquote(cookie["value"]))["t"] / 1000 <= 1800 + 5


def test_a_host_under_no_public_suffix_keeps_a_host_only_cookie(demo_site, new_page, live_server):
    page = new_page()
    with page.expect_response(lambda r: r.url.endswith("/assign")) as answer:
        page.goto("/dni/demo/")
    page.wait_for_function("() => document.cookie.indexOf('_callpool=') > -1")
    assert answer.value.json()["cookie_domain"] is None
    [cookie] = [c for c in page.context.cookies() if c["name"] == "_callpool"]
    assert cookie["domain"] == "localhost"  # no leading dot: host-only


HTTPS_PAGE = """<!doctype html><html><head><title>Shop</title>
<script src="/dni/demo.js"></script></head><body><p id="n">Call (202) 555-0100</p></body></html>"""


def test_on_https_the_cookie_is_secure(demo_site, new_page, client):
    # Routed, not served: no certificate is needed to see what the script writes on an https page.
    script = client.get("/dni/demo.js").content.decode()
    answer = {"visitor_id": "v" * 22, "session_id": "s" * 22, "expires_at": "2099-01-01T00:00:00Z",
              "heartbeat_seconds": 300, "cookie_domain": "example.com",
              "numbers": [{"original": "+12025550100", "tracking": "+12025550177", "display": "(202) 555-0177"}]}
    page = new_page()
    page.route("https://www.shop.example.com/", lambda r: r.fulfill(content_type="text/html", body=HTTPS_PAGE))
    page.route("https://www.shop.example.com/dni/demo.js",
               lambda r: r.fulfill(content_type="application/javascript", body=script))
    page.route("https://www.shop.example.com/dni/demo/assign",
               lambda r: r.fulfill(content_type="application/json", body=json.dumps(answer)))
    page.goto("https://www.shop.example.com/")
    page.wait_for_function("() => document.getElementById('n').textContent === 'Call (202) 555-0177'")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "_callpool"]
    assert (cookie["domain"], cookie["sameSite"], cookie["secure"]) == (".example.com", "Lax", True)

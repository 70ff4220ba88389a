"""Real Chromium: a page that still prints a pool's OLD original number gets it swapped for the same tracking
number as the current one (SPEC: the pool remembers its originals; the script swaps all of them)."""

import pytest

from pools.services import pool_update
from trackers.models import Lease

pytestmark = pytest.mark.browser

OLD_PAGE = """<!doctype html><html><head><title>Old page</title></head><body>
<p>Call us: <b id="old">(202) 555-0100</b> or <a id="tel" href="tel:+12025550100">202.555.0100</a></p>
<p>Service: <b id="new">(202) 555-0111</b></p>
<script async src="/dni/demo.js"></script></body></html>"""


def test_a_page_still_printing_the_old_original_gets_it_swapped(demo_site, new_page, live_server):
    pool_update(pool=demo_site["main"], original_number="+12025550111")  # the page was not updated
    page = new_page()
    page.route(f"{live_server.url}/old-page", lambda route: route.fulfill(status=200, content_type="text/html", body=OLD_PAGE))

    page.goto("/old-page")
    page.wait_for_function("() => document.querySelector('#old').textContent !== '(202) 555-0100'")

    tracking = Lease.objects.select_related("tracker").get().tracker.tracking_number
    digits = tracking[-10:]
    shown = f"({digits[:3]}) {digits[3:6]}-{digits[6:]}"
    assert page.text_content("#old") == shown
    assert page.text_content("#new") == shown  # the current original: the same tracking number
    assert page.get_attribute("#tel", "href") == f"tel:{tracking}"
    assert page.text_content("#tel") == f"{digits[:3]}.{digits[3:6]}.{digits[6:]}"

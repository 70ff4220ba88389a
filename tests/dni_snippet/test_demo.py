import pytest
from django.core.management import call_command


@pytest.mark.slow
def test_demo_page_shows_both_demo_originals_in_many_forms(client, db):
    call_command("seed_demo", stdout=__import__("io").StringIO())
    r = client.get("/dni/demo/")
    assert r.status_code == 200
    html = r.content.decode()
    for form in ["(202) 555-0100", "202.555.0100", "1-(202)-555-0100", "+1 202 555 0100", "+12025550100",
                 "(202) 555-0150", "12025550150"]:
        assert form in html
    assert 'type="application/ld+json"' in html and "data-dni-noswap" in html
    assert 'src="/dni/demo.js"' in html


def test_demo_page_without_demo_data_still_renders(client, db):
    assert client.get("/dni/demo/").status_code == 200

"""The end-user help page on automated pools (issue 22 #8): the FAQ's answers, every health state with what to do,
linked from the pools list, the pool page and the overview."""

import re

from django.urls import reverse

from pools.planner import HEALTH_LABELS
from tests.factories import PoolFactory

URL = reverse("dashboard:pool_help")


def test_the_help_page_explains_rules_states_flag_days_and_why_a_pool_waits(marketer_client):
    body = marketer_client.get(URL).content.decode()
    for words in ("<strong>manual</strong> pool's call tracker life cycle is only changed manually",
                  "size × utilization", "source/mediums found do not meet at least the minimum visits",
                  "there are not enough Available call trackers", "flag days (30 by default)",
                  "Flagged", "Available", "Active", "never deletes Available"):
        assert words in body, words
    for state, label in HEALTH_LABELS.items():
        assert f'id="state-{state}"' in body and label in body


def test_the_pools_pages_and_the_overview_link_to_it(marketer_client, account, website):
    pool = PoolFactory(account=account, website=website, kind="automated", size=0)  # not activating
    assert URL in marketer_client.get(reverse("dashboard:pool_list")).content.decode()
    detail = marketer_client.get(reverse("dashboard:pool_detail", args=[pool.pk])).content.decode()
    assert f"{URL}#state-not_activating" in detail
    assert f"{URL}#health" in marketer_client.get(reverse("dashboard:overview")).content.decode()


def test_the_help_page_needs_a_login(client):
    assert client.get(URL).status_code == 302


def test_every_pool_page_marks_pools_as_the_current_section(marketer_client, account, website):
    """The help and call-flow pages are pool pages too: the bar's Pools link says so, and no other link does."""
    pool = PoolFactory(account=account, website=website)
    for url in (reverse("dashboard:pool_list"), URL, reverse("dashboard:pool_detail", args=[pool.pk]),
                reverse("dashboard:pool_call_flow", args=[pool.pk])):
        body = marketer_client.get(url).content.decode()
        nav = body[body.index('<nav aria-label="Main">'):body.index("</nav>")]
        assert re.findall(r'<a [^>]*aria-current="page"[^>]*>([^<]*)</a>', nav) == ["Pools"], url

from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from rest_framework.test import APIClient

from api.services import api_token_create
from tests.factories import WebsiteFactory

URL = reverse("dashboard:website_list")


def test_install_page_shows_the_script_tag_notes_and_allowed_origins(marketer_client, website):
    body = marketer_client.get(URL).content.decode()
    assert ('&lt;script async src=&quot;http://testserver/dni/alicesite.js&quot; data-no-optimize=&quot;1&quot; '
            'data-cfasync=&quot;false&quot; nowprocket&gt;&lt;/script&gt;') in body
    assert "format-detection" in body and "telephone=no" in body
    assert "https://alice.example.com" in body
    assert "Not seen yet" in body


def test_install_check_shows_when_and_where_the_snippet_was_seen(marketer_client, website):
    website.snippet_seen_at = timezone.now()
    website.snippet_seen_origin = "https://www.alice.example.com"
    website.save()
    body = marketer_client.get(URL).content.decode()
    assert "Installed · last seen" in body and "https://www.alice.example.com" in body


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
    # session, user, membership, websites (filter), websites with pool counts, untagged ad clicks per website
    with django_assert_num_queries(6):
        marketer_client.get(URL)


def test_install_page_and_api_show_the_same_script_tag(marketer_client, website, account):
    _, key = api_token_create(account=account, scope="read")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    snippet = api.get("/api/v1/websites/").json()["results"][0]["snippet"]
    assert "nowprocket" in snippet
    assert escape(snippet) in marketer_client.get(URL).content.decode()

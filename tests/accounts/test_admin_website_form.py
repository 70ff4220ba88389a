from django.urls import reverse

from accounts.admin import normalise_domain, normalise_origin
from accounts.models import Website


def test_origins_and_domains_normalise_one_per_line():
    assert normalise_origin("HTTPS://WWW.Example.com/") == "https://www.example.com"
    assert normalise_origin("http://localhost:*") == "http://localhost:*"
    assert normalise_origin("https://shop.example.com:8443/cart") == "https://shop.example.com:8443"
    assert normalise_domain("https://WWW.Example.com/page") == "www.example.com"
    assert normalise_domain("Example.com") == "example.com"


def test_website_form_takes_one_origin_per_line_not_json(admin_client_for_account, account, website):
    url = reverse("admin:accounts_website_change", args=[website.pk])
    page = admin_client_for_account.get(url).content.decode()
    assert "https://alice.example.com</textarea>" in page  # shown one per line, not as a JSON list
    response = admin_client_for_account.post(url, {
        "account": account.pk, "name": website.name, "key": website.key,
        "domains": "Alice.example.com\r\nhttps://www.alice.example.com/\r\n\r\nalice.example.com",
        "allowed_origins": "https://alice.example.com/\r\nHTTPS://WWW.Alice.example.com\r\n",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    website.refresh_from_db()
    assert website.domains == ["alice.example.com", "www.alice.example.com"]
    assert website.allowed_origins == ["https://alice.example.com", "https://www.alice.example.com"]


def test_a_line_that_is_not_an_origin_is_refused_with_an_example(admin_client_for_account, account, website):
    url = reverse("admin:accounts_website_change", args=[website.pk])
    response = admin_client_for_account.post(url, {
        "account": account.pk, "name": website.name, "key": website.key, "domains": "", "allowed_origins": "alice.example.com",
    })
    assert response.status_code == 200
    assert "Origins look like https://www.example.com" in response.content.decode()
    assert Website.objects.get(pk=website.pk).allowed_origins == ["https://alice.example.com"]

"""The Django admin for the ad platforms, scoped to the account like every other admin: connections (ids and
conversion saved through the service, the token write-only and masked, removed by a "Disconnect" action that revokes
it where the platform can) and the read-only upload log with each call's errors."""

from urllib.parse import parse_qs

import pytest
import responses
from django.urls import reverse

from integrations import ad_platforms as ap
from integrations.ad_services import ad_connection_save
from integrations.models import AdConversionUpload, AdPlatformConnection
from tests.factories import CallFactory, CallTrackerFactory, PoolFactory

pytestmark = pytest.mark.django_db

CONNECTIONS = "admin:integrations_adplatformconnection_changelist"
UPLOADS = "admin:integrations_adconversionupload_changelist"


def _call(account, website=None):
    return CallFactory(tracker=CallTrackerFactory(pool=PoolFactory(account=account, **({"website": website} if website else {})),
                                                  active=True))


def test_an_account_admin_sees_only_the_accounts_connections_and_uploads(admin_client_for_account, account,
                                                                         other_account):
    ad_connection_save(account=account, platform="meta", token="EAABalice", customer_id="111111", conversion="AliceLead")
    ad_connection_save(account=other_account, platform="meta", token="EAABbob", customer_id="222222", conversion="BobLead")
    AdConversionUpload.objects.create(account=account, call=_call(account), platform="meta", status="failed",
                                      attempts=1, error="OAuthException 190: alice token expired")
    AdConversionUpload.objects.create(account=other_account, call=_call(other_account), platform="meta",
                                      status="failed", attempts=1, error="OAuthException 190: bob token expired")

    connections = admin_client_for_account.get(reverse(CONNECTIONS)).content.decode()
    uploads = admin_client_for_account.get(reverse(UPLOADS)).content.decode()

    assert "AliceLead" in connections and "BobLead" not in connections
    assert "alice token expired" in uploads and "bob token expired" not in uploads
    theirs = AdPlatformConnection.objects.get(account=other_account)
    url = reverse("admin:integrations_adplatformconnection_change", args=[theirs.pk])
    assert admin_client_for_account.get(url).status_code in (302, 404)


def test_the_token_is_masked_and_never_shown(admin_client_for_account, account):
    connection = ad_connection_save(account=account, platform="meta", token="EAABsecrettoken1234", customer_id="111",
                                    conversion="Lead")
    for url in (reverse(CONNECTIONS), reverse("admin:integrations_adplatformconnection_change", args=[connection.pk])):
        html = admin_client_for_account.get(url).content.decode()
        assert "EAABsecrettoken1234" not in html and connection.token not in html
        assert "1234" in html  # the last four, masked


def test_a_meta_token_is_saved_encrypted_through_the_service(admin_client_for_account, account):
    response = admin_client_for_account.post(reverse("admin:integrations_adplatformconnection_add"), {
        "account": account.pk, "platform": "meta", "customer_id": "987654321", "manager_id": "",
        "conversion": "Lead", "is_enabled": "on", "new_token": "EAABtyped"}, follow=True)

    assert response.status_code == 200
    connection = AdPlatformConnection.objects.get(account=account, platform="meta")
    assert connection.is_ready and connection.get_token() == "EAABtyped" and "EAABtyped" not in connection.token


@pytest.mark.parametrize(("fields", "problem"), [
    ({"platform": "google_ads", "new_token": "1//typed"}, "connected by signing in on the integrations page"),
    ({"platform": "meta", "customer_id": "pixel-1"}, "A pixel (dataset) id is digits only."),
])
def test_what_the_service_or_the_platform_refuses_is_a_form_error(admin_client_for_account, account, fields, problem):
    data = {"account": account.pk, "customer_id": "", "manager_id": "", "conversion": "", "is_enabled": "on",
            "new_token": "", **fields}
    response = admin_client_for_account.post(reverse("admin:integrations_adplatformconnection_add"), data)

    assert response.status_code == 200 and problem in response.content.decode()
    assert not AdPlatformConnection.objects.exists()


@responses.activate
def test_disconnect_revokes_googles_token_and_forgets_the_connection(admin_client_for_account, account):
    connection = ad_connection_save(account=account, platform="google_ads", token="1//refresh")
    revoke = responses.post(ap.GOOGLE_REVOKE_URL, status=200)

    admin_client_for_account.post(reverse(CONNECTIONS), {"action": "disconnect", "_selected_action": [connection.pk]})

    assert parse_qs(revoke.calls[0].request.body) == {"token": ["1//refresh"]}
    assert not AdPlatformConnection.objects.exists()
    # No plain delete that would skip the revocation.
    url = reverse("admin:integrations_adplatformconnection_delete", args=[connection.pk])
    assert admin_client_for_account.get(url).status_code in (302, 403, 404)


def test_the_upload_log_is_read_only_with_the_error_of_each_call(admin_client_for_account, account):
    call = _call(account)
    upload = AdConversionUpload.objects.create(
        account=account, call=call, platform="google_ads", status="failed", attempts=6, response_status=200,
        error="conversionUploadError CLICK_NOT_FOUND: The click wasn't found.")

    listing = admin_client_for_account.get(reverse(UPLOADS)).content.decode()
    page = admin_client_for_account.get(reverse("admin:integrations_adconversionupload_change", args=[upload.pk]))

    assert "CLICK_NOT_FOUND" in listing
    assert page.status_code == 200 and "CLICK_NOT_FOUND" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()  # nothing to save: the outbox writes these rows
    assert admin_client_for_account.get(reverse("admin:integrations_adconversionupload_add")).status_code == 403
    before = AdConversionUpload.objects.filter(pk=upload.pk).values().get()
    admin_client_for_account.post(reverse("admin:integrations_adconversionupload_change", args=[upload.pk]),
                                  {"status": "sent", "error": ""})
    assert AdConversionUpload.objects.filter(pk=upload.pk).values().get() == before

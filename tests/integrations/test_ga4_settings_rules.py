"""GA4 measurement ids and event names follow Google's rules at save, on every face (model validation:
the admin form and every service's full_clean), so GA4 never silently drops what callpool sends."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from integrations.models import GA4Settings
from integrations.planner import ga4_event_name_problem, ga4_measurement_id_problem
from tests.factories import WebsiteFactory
from tests.integrations.factories import GA4SettingsFactory


@pytest.mark.parametrize("name", ["phone_call", "call", "Lead_2", "a" * 40])
def test_event_names_google_accepts_pass(name):
    assert ga4_event_name_problem(name) is None


@pytest.mark.parametrize("name", [
    "", "2call", "_call", "phone-call", "phone call", "a" * 41, "session_start", "first_visit", "Session_Start",
    "user_engagement", "google_call", "ga_call", "firebase_call",
])
def test_event_names_google_drops_are_refused(name):
    assert ga4_event_name_problem(name)


@pytest.mark.parametrize("measurement_id", ["G-ABC123", "G-12AB34CD56"])
def test_measurement_ids_like_google_issues_pass(measurement_id):
    assert ga4_measurement_id_problem(measurement_id) is None


@pytest.mark.parametrize("measurement_id", ["", "G-", "G-ABC12", "UA-12345-1", "G-ABC 123", "G_ABC1234", "AW-123456789"])
def test_other_measurement_ids_are_refused(measurement_id):
    assert ga4_measurement_id_problem(measurement_id)


@pytest.mark.django_db
def test_full_clean_refuses_a_reserved_event_name_on_its_field():
    ga4 = GA4SettingsFactory.build(website=WebsiteFactory(), event_name="session_start")
    with pytest.raises(ValidationError) as exc:
        ga4.full_clean()
    assert list(exc.value.message_dict) == ["event_name"]


@pytest.mark.django_db
def test_full_clean_upper_cases_a_measurement_id_typed_in_lower_case():
    ga4 = GA4SettingsFactory.build(website=WebsiteFactory(), measurement_id=" g-abc123xyz ")
    ga4.full_clean()
    assert ga4.measurement_id == "G-ABC123XYZ"


@pytest.mark.django_db
def test_admin_refuses_a_malformed_measurement_id_as_a_form_error(admin_client_for_account, account):
    website = WebsiteFactory(account=account)
    response = admin_client_for_account.post(reverse("admin:integrations_ga4settings_add"), {
        "website": website.pk, "measurement_id": "G-1", "is_enabled": "on", "event_name": "first_visit",
        "new_api_secret": "secret123",
    })
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"measurement_id", "event_name"}
    assert not GA4Settings.objects.exists()


@pytest.mark.django_db
def test_admin_saves_settings_google_accepts(admin_client_for_account, account):
    website = WebsiteFactory(account=account)
    response = admin_client_for_account.post(reverse("admin:integrations_ga4settings_add"), {
        "website": website.pk, "measurement_id": "G-ABC123XYZ9", "is_enabled": "on", "event_name": "phone_call",
        "new_api_secret": "secret123",
    })
    assert response.status_code == 302
    assert GA4Settings.objects.get().measurement_id == "G-ABC123XYZ9"

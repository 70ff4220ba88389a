from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_schema_validates_without_warnings():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json", stdout=out)
    assert '"/api/v1/pools/"' in out.getvalue()


def test_schema_is_served(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ["/api/v1/websites/", "/api/v1/pools/{id}/", "/api/v1/trackers/", "/api/v1/calls/", "/api/v1/visits/",
                 "/api/v1/reports/{dimension}/"]:
        assert path in paths


def test_docs_page_uses_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    # No CDN host (a bare "cdn" can turn up inside the page's random CSRF token).
    assert not any(host in html.lower() for host in ("//cdn", "jsdelivr", "unpkg.com", "cdnjs"))
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html

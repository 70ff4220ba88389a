"""Unrouted paths under /api/v1/ answer in the API's error shape (JSON 404), whatever bytes the path carries —
a newline in it included (found by the fuzz run: Django's `.` does not match a newline, so the page was HTML)."""

import pytest

from tests.api.conftest import error


@pytest.mark.parametrize("path", ["/api/v1/pools/abc/", "/api/v1/automation-rules/%C2%9B%0A/", "/api/v1/tags/%0A%0D/",
                                  "/api/v1/nothing-here"])
def test_unrouted_api_paths_answer_json_404(api_client, path):
    response = api_client.get(path)
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
    assert error(response)["code"] == "not_found"

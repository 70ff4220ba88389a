"""The API docs render in a real browser with the network cut off: nothing comes from a CDN."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_lists_the_api_offline(live_server, settings, chromium):
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    outside = []
    context = chromium.new_context()
    page = context.new_page()

    def only_local(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector("text=/api/v1/pools/", timeout=15000)
    context.close()
    assert outside == []

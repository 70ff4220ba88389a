import io
import zipfile

from django.urls import reverse

URL = reverse("dashboard:wordpress_plugin")


def test_install_page_links_the_plugin(marketer_client, website):
    body = marketer_client.get(reverse("dashboard:website_list")).content.decode()
    assert f'href="{URL}"' in body and "Settings → callpool" in body


def test_plugin_zip_has_one_callpool_folder_with_the_plugin(marketer_client, website):
    r = marketer_client.get(URL)
    assert r.status_code == 200
    assert r["Content-Type"] == "application/zip"
    assert 'filename="callpool-wordpress.zip"' in r["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert {"callpool/callpool.php", "callpool/uninstall.php", "callpool/readme.txt"} <= set(names)
    assert all(name.startswith("callpool/") for name in names)
    plugin = zipfile.ZipFile(io.BytesIO(r.content)).read("callpool/callpool.php").decode()
    assert "Plugin Name:" in plugin and "data-no-optimize" in plugin


def test_anonymous_is_redirected_to_login(client):
    assert client.get(URL).status_code == 302


def test_wrong_method_is_405(marketer_client, website):
    assert marketer_client.post(URL).status_code == 405

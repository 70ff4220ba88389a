"""The WordPress plugin (wordpress/callpool/) under Debian's php-cli: syntax of every file, and what it prints,
through a harness that stubs the few WordPress functions it calls (tests/wordpress/harness.php)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # php-cli subprocesses

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "wordpress" / "callpool" / "callpool.php"
HARNESS = Path(__file__).resolve().parent / "harness.php"
PHP_FILES = sorted((ROOT / "wordpress").rglob("*.php")) + [HARNESS]
CONFIGURED = {"callpool_base_url": "https://calls.example.com/", "callpool_website_key": "demo"}


def php(*args: str) -> str:
    assert shutil.which("php"), "php-cli is needed for the WordPress plugin tests (apt-get install php-cli)"
    done = subprocess.run(["php", *args], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr and "Notice" not in done.stdout + done.stderr, done.stdout + done.stderr
    return done.stdout


def run(mode: str, options: dict) -> str:
    return php(str(HARNESS), str(PLUGIN), json.dumps(options), mode)


@pytest.mark.parametrize("path", PHP_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_php_file_is_valid_syntax(path):
    assert "No syntax errors detected" in php("-l", str(path))


def test_every_page_gets_the_meta_tag_and_the_script_tag_with_the_cache_plugin_attributes():
    assert run("wp_head", CONFIGURED) == (
        '<meta name="format-detection" content="telephone=no">\n'
        '<script async src="https://calls.example.com/dni/demo.js" data-no-optimize="1" data-cfasync="false" nowprocket></script>\n'
    )


def test_nothing_is_printed_until_both_settings_are_set():
    assert run("wp_head", {}) == ""
    assert run("wp_head", {"callpool_base_url": "https://calls.example.com"}) == ""
    assert run("wp_head", {"callpool_website_key": "demo"}) == ""


def test_settings_are_registered_with_sanitizers_that_refuse_markup_and_other_schemes():
    out = json.loads(run("registered", {"callpool_base_url": "javascript:alert(1)", "callpool_website_key": '"><script>x'}))
    assert out["settings"] == ["callpool_base_url", "callpool_website_key"]
    assert out["sanitized"] == {"callpool_base_url": "", "callpool_website_key": "scriptx"}
    assert ["options_page", "callpool", "manage_options"] in out["calls"]


def test_stored_values_are_sanitized_again_before_printing():
    head = run("wp_head", {"callpool_base_url": 'https://calls.example.com/"onload="x', "callpool_website_key": "de<mo>"})
    assert head == ""
    head = run("wp_head", {"callpool_base_url": "https://calls.example.com:8443/tracking/", "callpool_website_key": "de<mo>"})
    assert 'src="https://calls.example.com:8443/tracking/dni/demo.js"' in head


def test_settings_page_has_the_address_and_key_fields():
    page = run("settings_page", CONFIGURED)
    assert '<form action="options.php" method="post">' in page
    assert 'name="option_page" value="callpool"' in page
    assert 'name="callpool_base_url" id="callpool_base_url" value="https://calls.example.com/"' in page
    assert 'name="callpool_website_key" id="callpool_website_key" value="demo"' in page


def test_uninstall_deletes_the_settings():
    assert json.loads(run("uninstall", {**CONFIGURED, "blogname": "Shop"})) == {"blogname": "Shop"}

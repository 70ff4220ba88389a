"""What a website owner pastes: the one-line script tag (the install page and the API's `snippet` field both
render it here), the iOS meta tag the install page asks for beside it, the AMP snippet and the WordPress plugin."""

import io
import zipfile

from django.conf import settings

from accounts.models import Website
from core.phones import phone_display

FORMAT_DETECTION_META = '<meta name="format-detection" content="telephone=no">'


def script_src(website: Website) -> str:
    return f"{settings.PUBLIC_BASE_URL}/dni/{website.key}.js"


def script_tag(website: Website) -> str:
    """data-no-optimize / data-cfasync / nowprocket keep caching and "delay JS" plugins
    (LiteSpeed, Cloudflare Rocket Loader, WP Rocket) from deferring the swap."""
    return (f'<script async src="{script_src(website)}" data-no-optimize="1" '
            f'data-cfasync="false" nowprocket></script>')


def snippet_html(website: Website) -> str:
    """What the install page's Copy button copies: the iOS meta tag and the script tag, for the page's <head>."""
    return f"{FORMAT_DETECTION_META}\n{script_tag(website)}"


AMP_CALL_TRACKING_SCRIPT = ('<script async custom-element="amp-call-tracking" '
                            'src="https://cdn.ampproject.org/v0/amp-call-tracking-0.1.js"></script>')


def amp_snippet(website: Website, pool) -> str:
    """AMP pages can't run our script: `amp-call-tracking` asks /dni/<key>/amp.json for the pool's number."""
    config = (f"{settings.PUBLIC_BASE_URL}/dni/{website.key}/amp.json?pool={pool.pk}"
              "&client_id=CLIENT_ID(callpool)&page_url=SOURCE_URL&referrer=DOCUMENT_REFERRER")
    link = f'  <a href="tel:{pool.original_number}">{phone_display(pool.original_number)}</a>'
    return f'{AMP_CALL_TRACKING_SCRIPT}\n<amp-call-tracking config="{config}">\n{link}\n</amp-call-tracking>'


WORDPRESS_PLUGIN_DIR = settings.BASE_DIR / "wordpress" / "callpool"
WORDPRESS_PLUGIN_FILENAME = "callpool-wordpress.zip"


def wordpress_plugin_zip() -> bytes:
    """The plugin folder as WordPress's "Upload Plugin" wants it: one top-level `callpool/` folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(WORDPRESS_PLUGIN_DIR.rglob("*")):
            if path.is_file():
                archive.write(path, f"callpool/{path.relative_to(WORDPRESS_PLUGIN_DIR).as_posix()}")
    return buffer.getvalue()

"""What a website owner pastes: the one-line script tag (the install page and the API's `snippet` field both
render it here) and the iOS meta tag the install page asks for beside it."""

from django.conf import settings

from accounts.models import Website

FORMAT_DETECTION_META = '<meta name="format-detection" content="telephone=no">'


def script_src(website: Website) -> str:
    return f"{settings.PUBLIC_BASE_URL}/dni/{website.key}.js"


def script_tag(website: Website) -> str:
    """data-no-optimize / data-cfasync / nowprocket keep caching and "delay JS" plugins
    (LiteSpeed, Cloudflare Rocket Loader, WP Rocket) from deferring the swap."""
    return (f'<script async src="{script_src(website)}" data-no-optimize="1" '
            f'data-cfasync="false" nowprocket></script>')

"""Bench-only settings: the production settings plus a bare "lease one row" view with no middleware.

Used only by bench/bench_dni.py (DJANGO_SETTINGS_MODULE=bare_settings, with bench/ on the Python path);
never imported by the product.
"""

from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bare_urls"
MIDDLEWARE = []
# No middleware at all, so the admin's checks for its middleware would stop config.wsgi from starting.
SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "admin.E408", "admin.E409", "admin.E410"]

"""Bench-only settings: the production settings plus a bare "lease one row" view with no middleware.

Used only by bench/bench_dni.py (DJANGO_SETTINGS_MODULE=bare_settings, with bench/ on the Python path);
never imported by the product.
"""

from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bare_urls"
MIDDLEWARE = []
# No middleware at all: the apps that need it (the admin's checks would stop config.wsgi from starting) are left out.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app not in ("django.contrib.admin",)]  # noqa: F405

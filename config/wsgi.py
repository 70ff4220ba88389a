import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Fail at start, not at first use: gunicorn (and any WSGI server) refuses to boot on a setting the system
# checks reject, with the checks' message naming it. `manage.py` commands, qcluster included, run them already.
from config.startup import raise_on_failed_checks  # noqa: E402

raise_on_failed_checks()

# The phone numbers' geocoder and metadata load on first use, seconds for the geocoder: each worker loads them as it
# starts rather than on the first call it answers (which the caller would wait on, before the phone rings).
from core.phones import phone_data_load  # noqa: E402

phone_data_load()

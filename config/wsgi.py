import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# Fail at start, not at first use: gunicorn (and any WSGI server) refuses to boot on a setting the system
# checks reject, with the checks' message naming it. `manage.py` commands, qcluster included, run them already.
from config.startup import raise_on_failed_checks  # noqa: E402

raise_on_failed_checks()

"""The system checks every process runs before it serves: `manage.py` commands run them themselves
(`qcluster`, `runserver`, `migrate`); the WSGI application runs them here."""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def raise_on_failed_checks() -> None:
    errors = [message for message in checks.run_checks() if message.is_serious()]
    if errors:
        raise ImproperlyConfigured("System checks failed:\n" + "\n".join(f"  {error}" for error in errors))

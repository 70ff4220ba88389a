"""Fail at start, not at first use: a setting the system checks reject fails `check --deploy`, the worker
(`qcluster`) and gunicorn's start, with a message naming the setting."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured

from config.startup import raise_on_failed_checks

ROOT = Path(__file__).resolve().parents[2]
BAD_KEY = "not-a-fernet-key"


def _error_ids(messages) -> set[str]:
    return {message.id for message in messages if message.is_serious()}


def test_production_defaults_pass_the_checks():
    assert _error_ids(run_checks()) == set()


def test_a_malformed_encryption_key_is_a_check_error_naming_it(settings):
    settings.TELEPHONY_ENCRYPTION_KEY = BAD_KEY
    errors = [message for message in run_checks() if message.is_serious()]
    assert [error.id for error in errors] == ["telephony.E004"]
    assert "TELEPHONY_ENCRYPTION_KEY" in errors[0].msg


def test_a_well_formed_encryption_key_passes(settings):
    settings.TELEPHONY_ENCRYPTION_KEY = Fernet.generate_key().decode()
    assert _error_ids(run_checks()) == set()


@pytest.mark.parametrize("name, value", [
    ("DNI_RATE_LIMIT", -1), ("POOLS_ENFORCE_EVERY_MINUTES", 0), ("WEBHOOKS_TIMEOUT_SECONDS", 0),
    ("GA4_TIMEOUT_SECONDS", -5), ("PUBLIC_BASE_URL", "calls.example.com"), ("GA4_COLLECT_URL", "ftp://x"),
])
def test_other_checkable_settings_fail_naming_the_setting(settings, name, value):
    setattr(settings, name, value)
    errors = [message for message in run_checks() if message.is_serious()]
    assert len(errors) == 1 and errors[0].msg.startswith(name)


def test_the_wsgi_start_raises_naming_the_setting(settings):
    settings.TELEPHONY_ENCRYPTION_KEY = BAD_KEY
    with pytest.raises(ImproperlyConfigured, match="TELEPHONY_ENCRYPTION_KEY"):
        raise_on_failed_checks()


def _env(**extra) -> dict:
    return {**os.environ, "SECRET_KEY": "start-check-test", "TELEPHONY_ENCRYPTION_KEY": BAD_KEY, **extra}


@pytest.mark.slow
def test_check_deploy_fails_naming_the_key():
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "TELEPHONY_ENCRYPTION_KEY is malformed" in result.stderr


@pytest.mark.slow
def test_the_worker_refuses_to_start_naming_the_key():
    result = subprocess.run([sys.executable, "manage.py", "qcluster", "--run-once"], cwd=ROOT, env=_env(),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "TELEPHONY_ENCRYPTION_KEY is malformed" in result.stderr


@pytest.mark.slow
def test_gunicorn_refuses_to_start_naming_the_key():
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    result = subprocess.run([gunicorn, "config.wsgi:application", "-b", "127.0.0.1:0", "-w", "1"], cwd=ROOT,
                            env=_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode != 0  # gunicorn halts when its worker cannot boot (exit 3), instead of serving 500s
    assert "TELEPHONY_ENCRYPTION_KEY is malformed" in result.stderr

"""The README's production steps on a fresh PostgreSQL database: `migrate` alone readies it (no
`createcachetable`), gunicorn serves, and a DNI assign, leave beacon and AMP config answer with the rate limiter on."""

import os
import subprocess
import sys
import uuid

import psycopg
import pytest
import requests
from django.conf import settings

from tests.support import ROOT, free_port, running_gunicorn

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"


@pytest.fixture
def fresh_database():
    """A throwaway database on the test server (never the test database itself), dropped afterwards."""
    db = settings.DATABASES["default"]
    server = dict(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"] or None)
    name = f"{db['NAME'][:30]}_prod_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    password = f":{server['password']}" if server["password"] else ""
    yield f"postgres://{server['user']}{password}@{server['host']}:{server['port']}/{name}"
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db
def test_migrate_then_gunicorn_answers_assign_on_a_fresh_database(fresh_database, tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "Q_SYNC"}},
        "DATABASE_URL": fresh_database, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "production-path-test-" + uuid.uuid4().hex, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "DNI_RATE_LIMIT": "120", "STATIC_MANIFEST": "false",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], env=env, cwd=ROOT, check=True, capture_output=True)
    # Data for the assign: one website with a visitor pool (the demo data), no other setup command.
    subprocess.run([*manage, "seed_demo"], env=env, cwd=ROOT, check=True, capture_output=True)
    with running_gunicorn(env=env, port=port, log=tmp_path / "gunicorn.log") as base:
        response = requests.post(
            f"{base}/dni/demo/assign", json={"page_url": "https://example.com/?utm_source=google"},
            headers={"User-Agent": BROWSER_UA}, timeout=10,
        )
        assert response.status_code == 200, (tmp_path / "gunicorn.log").read_text()[-2000:]
        assert response.json()["numbers"], response.json()
        # The other public DNI endpoints with the default rate limit on: a visitor's leave beacon, an AMP reader.
        leave = requests.post(f"{base}/dni/demo/leave", data=f'{{"session_id": "{response.json()["session_id"]}"}}',
                              headers={"User-Agent": BROWSER_UA, "Content-Type": "text/plain"}, timeout=10)
        assert leave.status_code == 204, (tmp_path / "gunicorn.log").read_text()[-2000:]
        pool = subprocess.run([*manage, "shell", "-c", "from pools.models import Pool; "
                               "print(Pool.objects.filter(website__key='demo', tracking='visitor').first().pk)"],
                              env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()[-1]
        amp = requests.get(f"{base}/dni/demo/amp.json", params={"pool": pool, "client_id": "amp-1",
                           "page_url": "http://localhost:8000/"}, headers={"User-Agent": BROWSER_UA,
                           "AMP-Same-Origin": "true"}, timeout=10)
        assert amp.status_code == 200, (tmp_path / "gunicorn.log").read_text()[-2000:]
        assert amp.json()["phoneNumber"].startswith("+")

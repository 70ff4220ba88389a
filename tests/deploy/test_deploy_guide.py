"""deploy/README.md's commands, run where a CI machine can run them (the two-node steps: test_two_nodes.py)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def env_file(path: Path) -> dict:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def test_env_example_names_only_settings_callpool_reads():
    documented = set(env_file(ROOT / ".env.example"))
    # TRUSTED_PROXIES comes with the DNI rate limit per key + client IP (SPEC, Settings).
    assert set(env_file(DEPLOY / "callpool.env.example")) - documented <= {"TRUSTED_PROXIES"}


@pytest.mark.slow
def test_production_env_passes_check_deploy(tmp_path):
    env = {**os.environ, **env_file(DEPLOY / "callpool.env.example"), "SECRET_KEY": "x" * 30 + "-production-like-" + "y" * 30,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'check.db'}", "STATIC_MANIFEST": "true"}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    warnings = {line.split(")")[0].split("(")[-1] for line in (result.stdout + result.stderr).splitlines() if ": (" in line}
    # HSTS is the hardening issue's (SECURE_HSTS_SECONDS); nothing else may be left.
    assert warnings <= {"security.W004"}, result.stdout + result.stderr


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed (.ci/run installs it)")
@pytest.mark.parametrize("unit", ["callpool-web.service", "callpool-worker.service"])
def test_systemd_units_verify(unit, tmp_path):
    # Paths of this checkout stand in for /srv/callpool; everything else is the unit as shipped.
    (tmp_path / "callpool.env").write_text((DEPLOY / "callpool.env.example").read_text())
    text = (DEPLOY / "systemd" / unit).read_text()
    text = (text.replace("/srv/callpool/.venv/bin/", f"{Path(sys.executable).parent}/")
            .replace("/srv/callpool", str(ROOT)).replace("/etc/callpool/callpool.env", str(tmp_path / "callpool.env"))
            .replace("User=callpool", "User=root").replace("Group=callpool", "Group=root"))
    (tmp_path / unit).write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "qcluster" in text if "worker" in unit else "gunicorn config.wsgi" in text


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists(),
                    reason="nginx is not installed (.ci/run installs nginx-light)")
def test_nginx_site_passes_nginx_t(tmp_path):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=calls.example.com",
                    "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")], check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "callpool.conf").read_text()
    site = (site.replace("/etc/letsencrypt/live/calls.example.com/fullchain.pem", str(tmp_path / "cert.pem"))
            .replace("/etc/letsencrypt/live/calls.example.com/privkey.pem", str(tmp_path / "key.pem")))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n"
    )
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run([nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-p", f"{tmp_path}/"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in site and "X-Forwarded-Proto $scheme" in site


def _database_url(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.mark.slow
@pytest.mark.postgres
def test_backup_with_pg_dump_restores_into_an_empty_database(transactional_db, tmp_path):
    import psycopg

    from tests.factories import WebsiteFactory

    WebsiteFactory(key="backedup", name="Backed up")
    name = connection.settings_dict["NAME"]
    restored = f"{name}_restore"
    dump = tmp_path / "callpool.dump"
    # The guide's command, verbatim but for the paths.
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={dump}", _database_url(name)], check=True, timeout=120)
    with psycopg.connect(_database_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{restored}"')
        admin.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(["pg_restore", "--no-owner", f"--dbname={_database_url(restored)}", str(dump)], check=True, timeout=120)
        with psycopg.connect(_database_url(restored)) as copy:
            assert copy.execute("SELECT name FROM accounts_website WHERE key = 'backedup'").fetchone() == ("Backed up",)
            assert copy.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 0
    finally:
        with psycopg.connect(_database_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.postgres
def test_upgrade_migrates_before_restart_and_leaves_nothing_pending(transactional_db):
    env = {**os.environ, "DATABASE_URL": _database_url(connection.settings_dict["NAME"])}
    connection.close()
    migrate = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=300)
    assert migrate.returncode == 0, migrate.stderr
    check = subprocess.run([sys.executable, "manage.py", "migrate", "--check"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check.stdout + check.stderr

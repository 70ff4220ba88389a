"""Fault: PostgreSQL becomes unreachable while calls come in.

The test makes a PostgreSQL cluster of its own (initdb into a temporary directory, `pg_ctl start` on a spare
port, run as the `postgres` user because initdb refuses root), migrates it, seeds a tracker, serves the app
from a gunicorn subprocess pointed at it, then stops the cluster and posts a signed voice webhook.

What it shows: with the database gone callpool answers a bounded 500 quickly (no hang), which is what makes
Twilio request the number's `voice_fallback_url` — a hosted Twimlet that dials the original number (see
telephony/fallback.py); that URL is what numbers are provisioned with. When only attribution fails (database
up), callpool's own answer is still TwiML dialing the original.
"""

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from glob import glob
from pathlib import Path
from unittest import mock
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from calls import services
from calls.models import Call
from telephony.fallback import forward_fallback_url
from telephony.webhooks import twilio_signature
from tests.calls.payloads import voice_payload
from tests.support import ROOT, free_port, start_gunicorn, stop_processes

PUBLIC = "http://callpool.test"
ORIGINAL = "+12025550100"
TRACKING = "+12025550177"
PG_BIN = next(iter(sorted(glob("/usr/lib/postgresql/*/bin"), reverse=True)), None)

SEED = f"""
from accounts.models import Account, Website
from pools.models import Pool
from trackers.models import CallTracker
from telephony.credentials import webhook_auth_token
account = Account.objects.create(name="Fault Co")
website = Website.objects.create(account=account, name="Fault", key="fault", domains=["fault.example.com"])
pool = Pool.objects.create(account=account, website=website, name="Main line", tracking="source",
                           original_number="{ORIGINAL}", size=1)
CallTracker.objects.create(pool=pool, tracking_number="{TRACKING}", status="active", source="(direct)",
                           medium="(none)", original_number="{ORIGINAL}")
print("TOKEN=" + webhook_auth_token(account))
"""


def as_postgres(*args: str, **kwargs) -> subprocess.CompletedProcess:
    command = list(args) if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=True, **kwargs)


class OwnPostgres:
    """A throwaway cluster: trust auth, TCP on 127.0.0.1 only, no fsync."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="cp-pg-fault-"))
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            os.chown(self.dir, postgres.pw_uid, postgres.pw_gid)
        self.data, self.port = self.dir / "data", free_port()

    def init(self):
        as_postgres(f"{PG_BIN}/initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                    "--no-sync")

    def start(self):
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} -c fsync=off"
        as_postgres(f"{PG_BIN}/pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w",
                    "start")

    def stop(self):
        as_postgres(f"{PG_BIN}/pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    def running(self) -> bool:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, f"{PG_BIN}/pg_ctl", "-D", str(self.data), "status"],
                              capture_output=True).returncode == 0

    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self):
        if self.running():
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def own_postgres():
    if PG_BIN is None or (os.geteuid() == 0 and shutil.which("runuser") is None):
        pytest.fail("needs /usr/lib/postgresql/*/bin and, as root, runuser and a postgres user")
    cluster = OwnPostgres()
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.remove()


def post_voice(port: int, token: str, call_sid: str, timeout: float = 30) -> tuple[int, bytes, float]:
    path = "/telephony/twilio/voice"
    params = voice_payload(to=TRACKING, call_sid=call_sid)
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "X-Twilio-Signature": twilio_signature(token=token, url=PUBLIC + path, params=params)}
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=urlencode(params).encode(),
                                     headers=headers, method="POST")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read(), time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), time.monotonic() - started


def dialed(body: bytes) -> str | None:
    number = ET.fromstring(body).find("Dial/Number")
    return None if number is None else number.text


@pytest.mark.slow
@pytest.mark.postgres
def test_database_down_answers_a_fast_500_and_the_provisioned_fallback_dials_the_original(own_postgres, tmp_path):
    env = {**os.environ, "DATABASE_URL": own_postgres.url(), "PUBLIC_BASE_URL": PUBLIC, "DEBUG": "false",
           "ALLOWED_HOSTS": "*", "LOG_LEVEL": "CRITICAL", "Q_SYNC": "true", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("REDIS_URL", None)
    manage = [sys.executable, str(ROOT / "manage.py")]
    migrated = subprocess.run([*manage, "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=120)
    assert migrated.returncode == 0, migrated.stderr[-2000:]
    seeded = subprocess.run([*manage, "shell", "-c", SEED], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert seeded.returncode == 0, seeded.stderr[-2000:]
    token = seeded.stdout.split("TOKEN=")[1].strip()

    port = free_port()
    web = start_gunicorn(env=env, port=port, log=tmp_path / "gunicorn.log", args=["--timeout", "60"])
    try:
        # Database up: the voice webhook dials the original (and the worker holds a persistent connection).
        status, body, _ = post_voice(port, token, "CA" + "1" * 32)
        assert (status, dialed(body)) == (200, ORIGINAL), body[:500]

        own_postgres.stop()
        # Database gone: a prompt 500 (Twilio's cue to use the fallback URL), never a hang, and no crash loop.
        answers = [post_voice(port, token, f"CA{n:032d}") for n in range(3)]
        assert [status for status, _, _ in answers] == [500] * 3, [body[:300] for _, body, _ in answers]
        assert max(seconds for _, _, seconds in answers) < 10, answers
        assert web.poll() is None

        # Database back: the next call is answered and recorded again without restarting anything.
        own_postgres.start()
        status, body, _ = post_voice(port, token, "CA" + "2" * 32)
        assert (status, dialed(body)) == (200, ORIGINAL), body[:500]
    finally:
        stop_processes([web], timeout=20)

    # What Twilio does on that 500: the number's voice_fallback_url, a hosted Twimlet (not callpool) dialing
    # the original. Numbers are bought with exactly this URL (tests/telephony/test_provision_urls.py).
    fallback = urlsplit(forward_fallback_url(ORIGINAL))
    assert (fallback.scheme, fallback.netloc, fallback.path) == ("https", "twimlets.com", "/forward")
    assert parse_qs(fallback.query) == {"PhoneNumber": [ORIGINAL]}
    assert fallback.netloc != urlsplit(PUBLIC).netloc


@pytest.mark.django_db
def test_database_up_but_attribution_raising_still_answers_twiml_dialing_the_original(twilio_post, visitor_tracker):
    with mock.patch.object(services, "call_attribute", autospec=True, side_effect=RuntimeError("attribution bug")):
        response = twilio_post("/telephony/twilio/voice", voice_payload(to=visitor_tracker.tracking_number))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert dialed(response.content) == visitor_tracker.pool.original_number
    assert Call.objects.get().attribution_method == Call.Method.NONE


@pytest.mark.slow
def test_a_database_host_that_never_answers_fails_within_the_connect_timeout():
    """A black-holed database (accepts TCP, never speaks) fails the connection after DATABASE_CONNECT_TIMEOUT
    seconds instead of holding the webhook until Twilio gives up."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # never accepted, never answered
        env = {**os.environ, "DATABASE_URL": f"postgres://postgres@127.0.0.1:{silent.getsockname()[1]}/callpool",
               "DATABASE_CONNECT_TIMEOUT": "2", "DJANGO_SETTINGS_MODULE": "config.settings"}
        env.pop("REDIS_URL", None)
        script = ("import time; from django.db import connection\n"
                  "print('TIMEOUT', connection.settings_dict['OPTIONS']['connect_timeout'])\n"
                  "started = time.monotonic()\n"
                  "try:\n    connection.ensure_connection()\nexcept Exception as exc:\n"
                  "    print('FAILED', type(exc).__name__, round(time.monotonic() - started, 1))\n")
        done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "shell", "-c", script], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
    assert "TIMEOUT 2" in done.stdout, done.stderr[-2000:]
    failed = done.stdout.split("FAILED ")[1].split()
    assert failed[0] == "OperationalError"
    assert 1.5 <= float(failed[1]) < 10

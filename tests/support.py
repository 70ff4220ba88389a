"""What tests share: a spare port, a local HTTP receiver and launchers of gunicorn, `manage.py qcluster` and a
redis-server of their own for the tests that run real processes (mark those `slow`: `make test-fast` skips them),
and the example budget of property tests. `bench/soak.py` starts its processes with the same launchers.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
# `make test-fast` sets TEST_FAST=1 (the development loop); `make test` and CI leave it unset.
FAST = os.environ.get("TEST_FAST") == "1"


def examples(count: int) -> int:
    """A property test's hypothesis `max_examples`: all of them, or a fifth (at least 10) under TEST_FAST."""
    return max(10, count // 5) if FAST else count


REDIS_DATABASES = 16  # redis-server's default `databases`


def redis_url_for_worker(url: str, worker: str | None) -> str:
    """REDIS_URL for one pytest-xdist worker: the db number of `url` plus the worker's index (gw0 → +0, gw1 → +1),
    so parallel workers never flush or count in each other's db. Unchanged outside xdist (`worker` None)."""
    from urllib.parse import urlsplit, urlunsplit

    if not url or not worker:
        return url
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    db = base + int(worker.removeprefix("gw"))
    if db >= REDIS_DATABASES:
        raise ValueError(f"xdist worker {worker} would use Redis db {db} (REDIS_URL's {base} + its index): "
                         f"pick a lower db in REDIS_URL or fewer workers (-n)")
    return urlunsplit(parts._replace(path=f"/{db}"))


# Never the project's own code: walking them costs seconds per scan (the virtualenv alone holds thousands of files).
NOT_PROJECT_DIRS = frozenset({".venv", ".git", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache"})


def project_paths(pattern: str = "*.py", *, skip: frozenset[str] | set[str] = frozenset()) -> list[Path]:
    """The checkout's files and folders matching `pattern` (fnmatch on the name), sorted, without descending into
    NOT_PROJECT_DIRS or any folder named in `skip`."""
    from fnmatch import fnmatch

    found = []
    pruned = NOT_PROJECT_DIRS | set(skip)
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [name for name in dirs if name not in pruned]
        found += [Path(folder, name) for name in [*dirs, *files] if fnmatch(name, pattern)]
    return sorted(found)


def free_port() -> int:
    """A localhost TCP port nothing listens on (the OS picks it; closed again before it is returned)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Hit(NamedTuple):
    """One request the receiver got (header names in lower case)."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


# (method, path) → (status, headers, body); the default answers every request with an empty 204.
Responder = Callable[[str, str], tuple[int, Mapping[str, str], bytes]]


def _no_content(method: str, path: str) -> tuple[int, Mapping[str, str], bytes]:
    return 204, {}, b""


class LocalReceiver:
    """A threaded HTTP server on 127.0.0.1 (a spare port) that records every request it gets, in order."""

    def __init__(self, respond: Responder = _no_content):
        self.hits: list[Hit] = []
        lock = threading.Lock()
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    hits.append(Hit(self.path, {name.lower(): value for name, value in self.headers.items()}, body))
                status, headers, payload = respond(self.command, self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if payload:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of(self, prefix: str) -> list[Hit]:
        """The requests whose path starts with `prefix`."""
        return [hit for hit in list(self.hits) if hit.path.startswith(prefix)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def local_receiver(respond: Responder = _no_content) -> Iterator[LocalReceiver]:
    receiver = LocalReceiver(respond)
    try:
        yield receiver
    finally:
        receiver.close()


def answers_health(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def wait_for(condition: Callable[[], bool], seconds: float, every: float = 0.3) -> bool:
    """Poll `condition` until it holds or `seconds` pass; its last answer."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()


def stop_processes(processes: Sequence[subprocess.Popen], timeout: float = 30) -> None:
    """SIGTERM each, wait, SIGKILL the ones still running."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def start_gunicorn(*, env: Mapping[str, str], port: int, workers: int = 1, log: Path | None = None,
                   args: Sequence[str] = (), ready_seconds: float = 60) -> subprocess.Popen:
    """`gunicorn config.wsgi` from the checkout on 127.0.0.1:`port`, returned once /healthz answers 200
    (gunicorn binds before its workers have booted Django). Fails with the log's tail when it never does."""
    command = [str(BIN / "gunicorn"), "config.wsgi", "-w", str(workers), "-b", f"127.0.0.1:{port}",
               "--chdir", str(ROOT), "--no-control-socket", *args]
    with open(log if log else os.devnull, "wb") as out:  # the child keeps its own copy of the file
        process = subprocess.Popen(command, cwd=ROOT, env=dict(env), stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    if not wait_for(lambda: answers_health(port) or process.poll() is not None, ready_seconds) \
            or process.poll() is not None:
        stop_processes([process])
        tail = log.read_text(errors="replace")[-2000:] if log else ""
        raise RuntimeError(f"gunicorn on {port} did not answer /healthz\n{tail}")
    return process


@contextmanager
def running_gunicorn(*, env: Mapping[str, str], port: int | None = None, workers: int = 1, log: Path | None = None,
                     args: Sequence[str] = ()) -> Iterator[str]:
    """A gunicorn for the duration of the block; yields its base URL and stops it afterwards."""
    port = port or free_port()
    process = start_gunicorn(env=env, port=port, workers=workers, log=log, args=args)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_processes([process], timeout=20)


def start_qcluster(*, env: Mapping[str, str], log: Path | None = None) -> subprocess.Popen:
    """`manage.py qcluster` (a django-q2 cluster) from the checkout, in its own session; stop it with
    stop_processes (SIGTERM lets the cluster stop its own worker processes)."""
    with open(log if log else os.devnull, "ab") as out:
        return subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=dict(env), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


class OwnRedis:
    """A redis-server of the caller's own on a spare port, without persistence: stop() and start() again is a
    Redis that crashed and came back empty."""

    def __init__(self, directory: Path):
        self.port, self.dir = free_port(), directory
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def lease_rows_read() -> int:
    """PostgreSQL: the trackers_lease rows this transaction has read so far, through any index or a sequential scan
    (the tests that pin a read to a tracker's recent leases, whatever its history)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(seq_tup_read, 0) + COALESCE(idx_tup_fetch, 0) FROM pg_stat_xact_user_tables "
                       "WHERE relname = 'trackers_lease'")
        return cursor.fetchone()[0]

#!/usr/bin/env bash
# Starts the web server and the django-q2 worker together; Ctrl-C stops both.
set -u
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
PY=.venv/bin/python

$PY manage.py qcluster &
worker=$!
$PY manage.py runserver "0.0.0.0:${PORT}" --noreload &
web=$!

stop() {
  trap - INT TERM
  echo; echo "Stopping web server and worker…"
  kill -TERM "$web" "$worker" 2>/dev/null
  wait "$web" "$worker" 2>/dev/null
  exit 0
}
trap stop INT TERM

sleep 1
cat <<MSG

  callpool is running
    Dashboard   http://localhost:${PORT}/dashboard/
    Admin       http://localhost:${PORT}/admin/
    DNI demo    http://localhost:${PORT}/dni/demo/
    Health      http://localhost:${PORT}/healthz
  Logins are printed above by seed_demo. Ctrl-C stops everything.

MSG
# Either process dying ends the run.
wait -n "$web" "$worker"
stop

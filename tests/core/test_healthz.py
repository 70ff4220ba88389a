from datetime import timedelta

from django.utils import timezone

from core.models import Heartbeat
from core.tasks import worker_heartbeat


def test_healthz_reports_database_ok_and_worker_never_seen(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response.json()["worker"] == "never seen"


def test_healthz_reports_a_fresh_worker_heartbeat(client, db):
    worker_heartbeat()
    body = client.get("/healthz").json()
    assert body["worker"] == "ok"
    assert body["worker_heartbeat_age_seconds"] < 5


def test_healthz_reports_a_stale_worker(client, db):
    Heartbeat.objects.create(name="worker", beat_at=timezone.now() - timedelta(hours=1))
    assert client.get("/healthz").json()["worker"] == "stale"


def test_healthz_rejects_post(client, db):
    assert client.post("/healthz").status_code == 405

"""tests/support.py: the helpers the process and fault tests share."""

import socket
import urllib.request

import pytest

from tests.support import examples, free_port, local_receiver, redis_url_for_worker


def test_free_port_can_be_bound_on_localhost():
    port = free_port()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", port))
    assert 0 < port < 65536


def test_the_receiver_records_each_request_and_answers_with_its_responder():
    page = b"<html>shop</html>"

    def respond(method, path):
        return (200, {"Content-Type": "text/html"}, page) if method == "GET" else (204, {}, b"")

    with local_receiver(respond) as receiver:
        with urllib.request.urlopen(f"{receiver.url}/page") as response:
            assert (response.status, response.headers["Content-Type"], response.read()) == (200, "text/html", page)
        request = urllib.request.Request(f"{receiver.url}/hook?x=1", data=b'{"id": 7}', method="POST",
                                         headers={"webhook-id": "msg_1", "Content-Type": "application/json"})
        with urllib.request.urlopen(request) as response:
            assert response.status == 204

    assert [hit.path for hit in receiver.hits] == ["/page", "/hook?x=1"]
    [hook] = receiver.of("/hook")
    assert (hook.headers["webhook-id"], hook.json()) == ("msg_1", {"id": 7})


def test_property_tests_keep_their_full_budget_outside_test_fast(monkeypatch):
    monkeypatch.setattr("tests.support.FAST", False)
    assert examples(300) == 300
    monkeypatch.setattr("tests.support.FAST", True)
    assert (examples(300), examples(25)) == (60, 10)


def test_each_xdist_worker_gets_its_own_redis_db_counted_from_redis_urls():
    assert redis_url_for_worker("redis://127.0.0.1:6379/12", None) == "redis://127.0.0.1:6379/12"
    assert redis_url_for_worker("redis://127.0.0.1:6379/12", "gw0") == "redis://127.0.0.1:6379/12"
    assert redis_url_for_worker("redis://127.0.0.1:6379/12", "gw1") == "redis://127.0.0.1:6379/13"
    assert redis_url_for_worker("redis://:pw@redis.local:6380", "gw1") == "redis://:pw@redis.local:6380/1"
    assert redis_url_for_worker("", "gw1") == ""
    with pytest.raises(ValueError, match="Redis db 16"):
        redis_url_for_worker("redis://127.0.0.1:6379/15", "gw1")

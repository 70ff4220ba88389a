"""tests/support.py: the helpers the process and fault tests share."""

import socket
import urllib.request

from tests.support import examples, free_port, local_receiver


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

"""The live server's gate: a request in flight delays the flush; one arriving after the test is refused."""

import threading

from tests.live_server_gate import LiveServerGate


def test_a_closed_gate_answers_503_without_calling_the_application():
    calls = []
    gate = LiveServerGate(lambda environ, start_response: calls.append(environ) or [b"served"])
    gate.close_when_idle()
    statuses = []

    body = gate({}, lambda status, headers: statuses.append(status))

    assert statuses == ["503 Service Unavailable"]
    assert b"test is over" in b"".join(body)
    assert calls == []


def test_closing_waits_for_the_request_in_flight_and_its_response_is_whole():
    entered, release = threading.Event(), threading.Event()

    def slow_app(environ, start_response):
        entered.set()
        release.wait()
        start_response("200 OK", [])
        return iter([b"part one, ", b"part two"])

    gate = LiveServerGate(slow_app)
    bodies = []
    request = threading.Thread(target=lambda: bodies.append(gate({}, lambda *args: None)))
    request.start()
    entered.wait()
    closed = threading.Event()
    closer = threading.Thread(target=lambda: (gate.close_when_idle(), closed.set()))
    closer.start()

    assert not closed.wait(0.2), "the gate closed while a request was still being served"
    release.set()
    closer.join()
    request.join()
    assert closed.is_set()
    assert bodies == [[b"part one, ", b"part two"]]
    gate.open()
    assert gate.is_open

"""The live server's door, closed while a test's teardown empties the database.

A browser test ends while its page may still be talking to the live server: a draft saved on leaving the
page (`navigator.sendBeacon`) reaches the server as the browser context closes. Served while the transactional
test's flush truncates every table, such a request deadlocks with it on PostgreSQL and leaves rows behind for
the next test. The gate counts the requests in flight and, once closed, answers every new one 503 without
touching the database; the flush waits until the last request in flight has finished.
"""

from __future__ import annotations

import threading

WAIT_SECONDS = 120


class LiveServerGate:
    """A WSGI application in front of the live server's own, open during a test and closed after it."""

    def __init__(self, app):
        self.app = app
        self.is_open = True
        self.in_flight = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            if not self.is_open:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8")])
                return [b"The test is over: the live server takes no more requests."]
            self.in_flight += 1
        try:
            # The whole response is produced inside the count, so a streamed one cannot outlive it; closing it
            # sends `request_finished`, which closes this thread's database connection.
            response = self.app(environ, start_response)
            try:
                return list(response)
            finally:
                if hasattr(response, "close"):
                    response.close()
        finally:
            with self.changed:
                self.in_flight -= 1
                self.changed.notify_all()

    def open(self) -> None:
        with self.changed:
            self.is_open = True

    def close_when_idle(self) -> None:
        """Refuse new requests, then wait for those in flight; fails the teardown if one never ends."""
        with self.changed:
            self.is_open = False
            if not self.changed.wait_for(lambda: self.in_flight == 0, timeout=WAIT_SECONDS):
                raise RuntimeError(f"{self.in_flight} live-server request(s) still running after the test")


def gate_of(live_server) -> LiveServerGate:
    """The gate in front of this live server's application, put there on first use."""
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    if not isinstance(app, LiveServerGate):
        app = LiveServerGate(app)
        httpd.set_app(app)
    return app

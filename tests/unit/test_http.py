"""Network faults against a local server on 127.0.0.1: retries, backoff, Retry-After,
conditional GET, size and time limits, redirect loops, dropped connections."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipelines.lib.http import FetchError, FetchPolicy, fetch, retry_after_seconds

Handler = Callable[[BaseHTTPRequestHandler, int], None]


@pytest.fixture
def server() -> Iterator[Callable[[Handler], str]]:
    """Start a loopback server whose GET behaviour is a function of the request number."""
    servers: list[ThreadingHTTPServer] = []

    def start(behaviour: Handler) -> str:
        calls = {"n": 0}

        class Scripted(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                calls["n"] += 1
                behaviour(self, calls["n"])

            def log_message(self, *args) -> None:
                pass

        httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
        httpd.daemon_threads = True
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}/feed.xml"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


def _reply(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


FAST = FetchPolicy(connect_timeout=2, read_timeout=2, deadline=30, retries=3, backoff_base=0.5)


def test_server_errors_are_retried_with_exponential_backoff(server):
    url = server(lambda h, n: _reply(h, 500) if n < 3 else _reply(h, 200, b"<rss/>"))
    waits: list[float] = []
    result = fetch(url, policy=FAST, sleep=waits.append)
    assert result.content == b"<rss/>" and result.attempts == 3
    assert waits == [0.5, 1.0]


def test_429_honours_retry_after(server):
    url = server(lambda h, n: _reply(h, 429, Retry_After="7") if n == 1 else _reply(h, 200, b"ok"))
    waits: list[float] = []
    assert fetch(url, policy=FAST, sleep=waits.append).content == b"ok"
    assert waits == [7.0]


def test_retry_after_longer_than_the_deadline_fails_clearly(server):
    url = server(lambda h, n: _reply(h, 503, Retry_After="3600"))
    policy = FetchPolicy(deadline=30, retries=3, backoff_max=600)
    with pytest.raises(FetchError, match=r"gave up after 1 attempts.*HTTP 503"):
        fetch(url, policy=policy, sleep=lambda s: None)


def test_persistent_failure_stops_after_the_allowed_attempts(server):
    url = server(lambda h, n: _reply(h, 502))
    waits: list[float] = []
    with pytest.raises(FetchError, match=r"failed after 4 attempts; last problem: HTTP 502"):
        fetch(url, policy=FAST, sleep=waits.append)
    assert waits == [0.5, 1.0, 2.0]


def test_client_errors_are_not_retried(server):
    url = server(lambda h, n: _reply(h, 404))
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(url, policy=FAST, sleep=lambda s: pytest.fail("a 404 must not be retried"))


def test_conditional_get_returns_not_modified(server):
    seen: list[str | None] = []

    def behaviour(h: BaseHTTPRequestHandler, n: int) -> None:
        seen.append(h.headers.get("If-None-Match"))
        if h.headers.get("If-None-Match") == '"v1"':
            _reply(h, 304, ETag='"v1"')
        else:
            _reply(h, 200, b"<feed/>", ETag='"v1"', Last_Modified="Tue, 03 Feb 2026 10:00:00 GMT")

    url = server(behaviour)
    first = fetch(url, policy=FAST)
    assert first.status == 200 and first.etag == '"v1"' and first.last_modified.startswith("Tue")
    second = fetch(url, etag=first.etag, last_modified=first.last_modified, policy=FAST)
    assert second.not_modified and second.content is None
    assert seen == [None, '"v1"']


def test_user_agent_is_descriptive(server):
    agents: list[str] = []
    url = server(lambda h, n: (agents.append(h.headers["User-Agent"]), _reply(h, 200, b"x")))
    fetch(url, policy=FAST)
    assert agents[0].startswith("minerals-pipeline/")


def test_oversized_responses_are_refused(server):
    big = b"x" * 2048
    url = server(lambda h, n: _reply(h, 200, big))
    with pytest.raises(FetchError, match="over the 1,000-byte limit"):
        fetch(url, policy=FetchPolicy(max_bytes=1000))


def test_oversized_response_without_content_length_is_cut_off(server):
    def behaviour(h: BaseHTTPRequestHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(50):
            h.wfile.write(b"y" * 100)
        h.wfile.flush()

    url = server(behaviour)
    with pytest.raises(FetchError, match="over the 1,000-byte limit"):
        fetch(url, policy=FetchPolicy(max_bytes=1000))


def test_redirect_loop_fails_without_retrying(server):
    url = server(lambda h, n: _reply(h, 302, Location="/feed.xml"))
    with pytest.raises(FetchError, match="too many redirects"):
        fetch(url, policy=FAST, sleep=lambda s: pytest.fail("a redirect loop must not be retried"))


def test_dropped_connections_are_retried_then_reported(server):
    def reset(h: BaseHTTPRequestHandler, n: int) -> None:
        h.close_connection = True
        h.connection.shutdown(2)

    url = server(reset)
    waits: list[float] = []
    with pytest.raises(FetchError, match="failed after 4 attempts"):
        fetch(url, policy=FAST, sleep=waits.append)
    assert len(waits) == 3


def test_a_slow_drip_response_hits_the_deadline(server):
    def drip(h: BaseHTTPRequestHandler, n: int) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        try:
            for _ in range(200):
                h.wfile.write(b"z")
                h.wfile.flush()
                time.sleep(0.05)
        except (BrokenPipeError, ConnectionResetError):
            pass

    url = server(drip)
    with pytest.raises(FetchError, match="deadline"):
        fetch(url, policy=FetchPolicy(deadline=0.5, read_timeout=5, retries=0))


def test_retry_after_parsing():
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    from datetime import UTC, datetime

    now = datetime(2026, 2, 3, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Tue, 03 Feb 2026 10:00:30 GMT", now=now) == 30.0


def test_extra_headers_are_sent_and_kept_out_of_errors(server):
    seen: list[str | None] = []
    url = server(lambda h, n: (seen.append(h.headers.get("X-Api-Key")), _reply(h, 404)))
    with pytest.raises(FetchError) as raised:
        fetch(url, policy=FAST, headers={"X-Api-Key": "secret-value"})
    assert seen == ["secret-value"] and "secret-value" not in str(raised.value)

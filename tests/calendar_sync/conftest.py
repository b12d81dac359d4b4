"""A real HTTP server on 127.0.0.1 (a thread) serving calendar exports, for import tests."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

FEEDS = Path(__file__).parent / "feeds"
HUGE_BYTES = 50 * 1024 * 1024


def feed_bytes(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


@dataclass
class CalendarServer:
    """`files` maps a path to (status, body); tests change them between syncs."""

    base: str
    files: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    requests: list[tuple[str, dict]] = field(default_factory=list)
    huge_sent: list[int] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: bytes, status: int = 200) -> str:
        self.files[path] = (status, body)
        return self.url(path)


def _handler(server_state: CalendarServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            server_state.requests.append((self.path, dict(self.headers)))
            if self.path == "/huge.ics":
                return self._huge()
            status, body = server_state.files.get(self.path, (404, b"not found"))
            etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(status)
            if 300 <= status < 400:  # a redirect: the body is where to
                self.send_header("Location", body.decode())
            self.send_header("Content-Type", "text/calendar; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if status == 200:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

        def _huge(self) -> None:
            # No Content-Length: the client must count what arrives and stop by itself.
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"BEGIN:VEVENT\r\nSUMMARY:" + b"x" * 1000 + b"\r\nEND:VEVENT\r\n"
            sent = 0
            try:
                self.wfile.write(b"BEGIN:VCALENDAR\r\n")
                while sent < HUGE_BYTES:
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            server_state.huge_sent.append(sent)
            self.close_connection = True

    return Handler


@pytest.fixture
def calendar_server():
    state = CalendarServer(base="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.base = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.fixture
def closed_port_url() -> str:
    """An address where nothing listens: connection refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/calendar.ics"

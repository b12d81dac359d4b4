"""Real peers for the notifier tests: aiosmtpd servers and an HTTPS server speaking Vonage's SMS
API. Both run in threads of the test process, on free ports of 127.0.0.1."""

from __future__ import annotations

import json
import re
import socket
import ssl
import threading
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes

    @property
    def message(self):
        return message_from_bytes(self.data, policy=email_policy.default)


class Recorder:
    """An SMTP handler that keeps what it accepts; `replies` queues answers to DATA first
    (e.g. "451 4.3.0 try again later" then the default 250)."""

    def __init__(self, replies=(), always: str | None = None):
        self.received: list[Received] = []
        self.replies = deque(replies)
        self.always = always
        self.attempts = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.attempts += 1
            reply = self.replies.popleft() if self.replies else self.always
            if reply:
                return reply
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 OK"


def _authenticator(username: str, password: str):
    def check(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
            username.encode(), password.encode()
        ):
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)  # success=False alone hangs the client

    return check


@dataclass
class SmtpServer:
    controller: Controller
    recorder: Recorder
    port: int
    options: dict = field(default_factory=dict)

    def stop(self) -> None:
        self.controller.stop()

    def restart(self) -> None:
        """The same server back on its port (an outage ending)."""
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **self.options)
        self.controller.start()


def start_smtp(recorder: Recorder, *, tls_context: ssl.SSLContext | None = None,
               login: tuple[str, str] | None = None, smtputf8: bool = False) -> SmtpServer:
    port = free_port()
    options: dict = {"enable_SMTPUTF8": smtputf8}
    if tls_context is not None:
        options.update(tls_context=tls_context, require_starttls=True)
    if login:
        options.update(authenticator=_authenticator(*login), auth_required=True, auth_require_tls=tls_context is not None)
    controller = Controller(recorder, hostname="127.0.0.1", port=port, **options)
    controller.start()
    return SmtpServer(controller, recorder, port, options)


@dataclass
class VonageStub:
    """POST /sms/json like Vonage: a form in, JSON out. `replies` queues (HTTP status, SMS
    status) pairs; afterwards every message is accepted."""

    requests: list[dict] = field(default_factory=list)
    replies: deque = field(default_factory=deque)
    server: ThreadingHTTPServer | None = None
    thread: threading.Thread | None = None
    counter: int = 0

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def answer(self, form: dict) -> tuple[int, bytes]:
        self.requests.append(form)
        http_status, sms_status = self.replies.popleft() if self.replies else (200, "0")
        if http_status != 200:
            return http_status, b'{"error": "stub"}'
        self.counter += 1
        message = {"to": form.get("to", ""), "status": sms_status, "client-ref": form.get("client-ref", "")}
        if sms_status == "0":
            message.update({"message-id": f"vonage-{self.counter}", "remaining-balance": "10.0",
                            "message-price": "0.05", "network": "20801"})
        else:
            message["error-text"] = "stub error"
        return 200, json.dumps({"message-count": "1", "messages": [message]}).encode()

    def start(self, context: ssl.SSLContext, port: int = 0) -> None:
        """`port`: where it listened before, to come back after `stop()` (an outage ending)."""
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length", 0))
                form = dict(parse_qsl(self.rfile.read(length).decode()))
                form["_path"] = self.path
                form["_authorization"] = self.headers.get("authorization", "")
                status, body = stub.answer(form)
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def bare_message_id(message_id: str) -> str:
    """`<outbox-7.3f9c0a12de@host>` → `<outbox-7@host>`: the row's id without the creation salt
    that keeps Message-IDs unique across re-created databases (notifier.mime.message_id)."""
    return re.sub(r"\.[0-9a-f]{10}@", "@", message_id)

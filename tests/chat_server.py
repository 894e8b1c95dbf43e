"""A local chat webhook for tests: records each JSON body POSTed to it, and fails on demand.

Faults are queued and each answers one request: an HTTP status (`500`), a rate limit (`429` with
`Retry-After`), or a dropped connection (`"drop"`: the request is read, then the socket closed unanswered).
"""

from __future__ import annotations

import http.server
import json
import threading


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
        chat = self.server.chat  # type: ignore[attr-defined]
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with chat.lock:
            chat.requests += 1
            fault = chat.faults.pop(0) if chat.faults else None
            if fault is None:
                chat.posts.append({"path": self.path, "body": json.loads(raw or b"null")})
        if fault == "drop":
            self.close_connection = True
            self.connection.shutdown(2)
            return
        status, headers = (200, {}) if fault is None else fault
        payload = b"ok" if status == 200 else b"error"
        self.send_response(status)
        for name, value in {"Content-Length": str(len(payload)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass


class ChatServer:
    """Use as a context manager; `url(path)` is a webhook address; `posts` what was accepted."""

    def __init__(self) -> None:
        self.posts: list[dict] = []
        self.faults: list = []
        self.requests = 0
        self.lock = threading.Lock()
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.chat = self  # type: ignore[attr-defined]

    def __enter__(self) -> "ChatServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def fail(self, status: int, retry_after: int | None = None) -> None:
        with self.lock:
            self.faults.append((status, {"Retry-After": str(retry_after)} if retry_after is not None else {}))

    def drop(self) -> None:
        with self.lock:
            self.faults.append("drop")

    def to(self, path: str) -> list[dict]:
        return [post["body"] for post in self.posts if post["path"] == path]

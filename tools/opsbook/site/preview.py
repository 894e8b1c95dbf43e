"""The preview keeps the last good site while the handbook has an error (`ops serve`, `mkdocs serve`).

MkDocs' development server holds every request while a rebuild fails ("the server will appear stuck
until build errors are resolved"). An author who saved an invalid runbook would see a browser that
hangs, with the reason only in the terminal. So, once the first build has succeeded:

1. each rebuild goes through `keep_last_good`'s builder, which notes the errors MkDocs' loggers
   report during the build; a failed build is reported in the terminal and then counts as done, so
   the server answers again, from its site folder, which a failed build leaves as the last good build
   wrote it (the handbook is validated before any page is written);
2. every HTML page the server answers carries a banner listing those errors, until a build succeeds;
   browsers reload after each build, so the banner shows up, and goes, by itself.

Only the server's public parts are used: its `builder` attribute and its WSGI application
(`get_app`/`set_app`); the banner is put in by a WSGI middleware.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Callable, Iterable

from mkdocs.exceptions import Abort

log = logging.getLogger("mkdocs.plugins.opsbook")
BODY = re.compile(rb"<body[^>]*>")
STYLE = ("position:sticky;top:0;z-index:10;margin:0;padding:.6rem 1rem;background:#a4161a;color:#fff;"
         "font:0.8rem/1.5 system-ui,sans-serif")


class _Errors(logging.Handler):
    """Keeps the errors logged under `mkdocs` (the plugins' loggers included) during one build."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class LastGood:
    """The errors of the last build, or none when it succeeded; read by the server's threads."""

    def __init__(self) -> None:
        self.errors: tuple[str, ...] = ()

    def build(self, builder: Callable[[], None]) -> None:
        """Run one rebuild; when it fails, report it and keep serving what the last good build wrote."""
        errors = _Errors()
        logger = logging.getLogger("mkdocs")
        logger.addHandler(errors)
        try:
            builder()
        except Exception as exc:  # noqa: BLE001 - whatever broke the build, the server must answer
            if not isinstance(exc, Abort):  # not an error MkDocs already reported: show where it arose
                log.exception("the rebuild failed")
            self.errors = tuple(errors.messages) or (f"{type(exc).__name__}: {exc}",)
            log.error("The preview keeps the last good build, with these errors in a banner on each page, "
                      "until they are fixed")
            return
        finally:
            logger.removeHandler(errors)
        if self.errors:
            log.info("The errors are fixed: the preview shows the new build")
        self.errors = ()

    def banner(self) -> bytes:
        """The banner every page carries while the last build failed (empty when it succeeded)."""
        if not self.errors:
            return b""
        items = "".join(f"<li><code>{html.escape(message)}</code></li>" for message in self.errors)
        return (f'<div class="opsbook-preview-errors" role="alert" style="{STYLE}"><strong>This preview '
                "shows the last good build: the latest one failed.</strong> Fix these and save; the page "
                f'reloads by itself.<ul style="margin:.3rem 0 0">{items}</ul></div>').encode("utf-8")

    def middleware(self, app: Callable) -> Callable:
        """The server's WSGI application, with the banner put at the top of each HTML page."""

        def serve(environ, start_response) -> Iterable[bytes]:
            banner = self.banner()
            if not banner:
                return app(environ, start_response)
            answer: list = []
            body = app(environ, lambda status, headers, *exc: answer.append((status, headers)))
            status, headers = answer[0]
            kind = next((value for name, value in headers if name.lower() == "content-type"), "")
            if not kind.startswith("text/html"):
                start_response(status, headers)
                return body
            try:
                content = b"".join(body)
            finally:
                getattr(body, "close", lambda: None)()
            found = BODY.search(content)
            at = found.end() if found else 0
            content = content[:at] + banner + content[at:]
            start_response(status, [(name, value) for name, value in headers if name.lower() != "content-length"]
                           + [("Content-Length", str(len(content)))])
            return [content]

        return serve


def keep_last_good(server) -> LastGood:
    """Make MkDocs' live-reload `server` keep serving the last good site when a rebuild fails."""
    state = LastGood()
    builder = server.builder
    server.builder = lambda: state.build(builder)
    server.set_app(state.middleware(server.get_app()))
    return state

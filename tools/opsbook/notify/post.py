"""Posting to a chat webhook: the message shapes, and patience.

- Slack-compatible incoming webhooks (Slack, Mattermost, Rocket.Chat): `{"text": …, "blocks": […]}`.
- Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is received"): a
  message with one Adaptive Card attachment (the Office 365 connectors are being retired).

A 5xx answer or a dropped connection is retried with capped exponential backoff; a 429 waits for its
`Retry-After` (capped); any other answer is final. How patient to be is the GitHub client's `Policy`. The URL is a secret (it lets anyone post): it is never
printed, only the channel's id and the variable that holds it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from opsbook.issues.github import Policy
from opsbook.notify.events import ChatEvent

TIMEOUT = 10.0  # seconds for one post


def slack_payload(event: ChatEvent) -> dict:
    text = f"*{event.title}*\n{event.text}"
    return {"text": f"{event.title}\n{event.text}",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}]}


def teams_payload(event: ChatEvent) -> dict:
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
            "body": [{"type": "TextBlock", "text": event.title, "weight": "Bolder", "size": "Medium", "wrap": True},
                     {"type": "TextBlock", "text": event.text, "wrap": True}]}
    return {"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive",
                                                "contentUrl": None, "content": card}]}


PAYLOADS = {"slack": slack_payload, "teams": teams_payload}


def send(url: str, kind: str, event: ChatEvent, patience: Policy) -> str | None:
    """Post `event`; None when the channel took it, else why not (never the URL)."""
    data = json.dumps(PAYLOADS[kind](event), ensure_ascii=False).encode("utf-8")
    why = "not tried"
    for attempt in range(1, patience.attempts + 1):
        request = urllib.request.Request(url, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        wait = patience.backoff(attempt)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                response.read()
                return None
        except urllib.error.HTTPError as exc:
            why = f"answered {exc.code}"
            if exc.code == 429:
                after = (exc.headers.get("Retry-After") or "").strip()
                wait = float(after) if after.replace(".", "", 1).isdigit() else wait
                if wait > patience.max_wait:
                    return f"{why}, asking for a wait of {wait:.0f} s"
            elif exc.code < 500:
                return why
        except (urllib.error.URLError, OSError) as exc:
            why = f"connection failed ({type(getattr(exc, 'reason', exc)).__name__})"
        if attempt < patience.attempts:
            patience.sleep(wait)
    return f"{why}, {patience.attempts} times"

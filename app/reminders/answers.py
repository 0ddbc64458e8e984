"""What a push service's answer means for a reminder: sent, gone, retry later, or failed, with its reason."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

BODY_KEPT = 1024  # of a refusal's body: push services say why in a short JSON object or line of text
REASON_CHARS = 160  # of the push service's reason, in the log and the summary
_UNPRINTABLE = re.compile(r"[^\x20-\x7e]+")  # the reason is the push service's text: one plain line


@dataclass(slots=True)
class Outcome:
    """What became of one send: sent, gone (prune), retry (429, 5xx, no answer), failed,
    or misconfigured (this server's own settings stop it: a local VAPID subject).

    The dispatcher adds its own kinds: deferred (push service paused), late (past the window) and
    refused (a failure that is this subscription's own: its push service takes others' messages).
    """

    kind: str
    status: int | None = None
    detail: str = ""
    header: str | None = None  # Retry-After, as the push service sent it
    retry_at: datetime | None = None
    reason: str = ""  # why the push service refused, in its own words (capped)


def reason_of(body: bytes) -> str:
    """The push service's reason for a refusal, as one short line of plain text ("" if it gave none).

    Apple answers {"reason": "BadJwtToken"}; Mozilla {"errno": …, "message": "…"}; FCM a line of text.
    """
    text = body[:BODY_KEPT].decode("utf-8", "replace").strip()
    try:
        said = json.loads(text)
    except ValueError:
        said = text
    if isinstance(said, dict):
        said = next((said[key] for key in ("reason", "message", "error") if isinstance(said.get(key), str)), text)
    line = _UNPRINTABLE.sub(" ", str(said)).strip()  # no line breaks or control characters in the log
    return line if len(line) <= REASON_CHARS else line[: REASON_CHARS - 1] + "…"


def classify(status: int, body: bytes = b"", retry_after: str | None = None) -> Outcome:
    """What the push service's answer means for this reminder."""
    if 200 <= status < 300:
        return Outcome("sent", status)
    reason = reason_of(body)
    detail = f"HTTP {status} ({reason})" if reason else f"HTTP {status}"
    if status in (404, 410):
        return Outcome("gone", status, detail, reason=reason)
    if status == 429 or status >= 500:
        return Outcome("retry", status, detail, retry_after, reason=reason)
    return Outcome("failed", status, detail, reason=reason)

"""The ticket's link: `<qr_url_prefix><id>.<mac>`, printed as the ticket's QR code.

One definition for the three that need it: the printed ticket (kiosk.devices.ticket), the
web station that serves the link's page, and the queue, which takes "leave my place" from
whoever holds a valid link (the MAC is the customer's proof that the ticket is theirs).

The MAC is an HMAC-SHA256 with the branch secret over the ticket id and the moment it was
issued, so it cannot be guessed from the printed number; the web station also refuses a
ticket of another business day, so yesterday's link opens nothing today.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import datetime

MAC_CHARS = 10
# what a link's last path segment may be: an id of up to 18 digits, a dot, the MAC
TOKEN = re.compile(r"([1-9][0-9]{0,17})\.([0-9a-f]{" + str(MAC_CHARS) + "})")


def ticket_mac(ticket_id: int, issued_at: datetime, secret: str) -> str:
    msg = f"ticket:{ticket_id}:{issued_at.isoformat()}".encode()
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()[:MAC_CHARS]


def ticket_token(ticket_id: int, issued_at: datetime, secret: str) -> str:
    """A short token for the QR code that cannot be guessed from the ticket number."""
    return f"{ticket_id}.{ticket_mac(ticket_id, issued_at, secret)}"


def parse_token(token: str) -> tuple[int, str] | None:
    """(ticket id, MAC) from a link's last segment, or None for anything else."""
    found = TOKEN.fullmatch(token)
    return (int(found.group(1)), found.group(2)) if found else None


def token_matches(ticket_id: int, issued_at: datetime, mac: str, secret: str) -> bool:
    """Whether `mac` is this ticket's (compared in constant time)."""
    return hmac.compare_digest(ticket_mac(ticket_id, issued_at, secret), mac)

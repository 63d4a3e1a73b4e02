"""Secrets kept out of what casegraph prints and logs: the user and password a Neo4j URI
may carry (``bolt://neo4j:secret@host``), sensitive query parameters (``?password=…``) and
any known secret (the password in use) wherever it appears in a message.

>>> redact_uri("neo4j://neo4j:secret@db:7687?policy=eu&password=secret")
'neo4j://***@db:7687?policy=eu&password=***'
>>> redact_text("Given URI: 'bolt://u:p@h:1'. auth p", secrets=("p",))
"Given URI: 'bolt://***@h:1'. auth ***"
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

HIDDEN = "***"
# Query parameters whose value is a secret: any name holding one of these words.
SENSITIVE_PARAMETER = re.compile(r"pass|pwd|secret|token|key|auth|cred|sig", re.IGNORECASE)
# A URI inside a longer text: scheme://, then anything up to white space or a quote.
URI_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"<>`]+")


def has_userinfo(uri: str) -> bool:
    """Whether a URI carries a user (and maybe a password) before its host.

    >>> has_userinfo("bolt://neo4j:secret@127.0.0.1:7687"), has_userinfo("bolt://127.0.0.1:7687")
    (True, False)
    """
    return "@" in urlsplit(uri).netloc


def redact_uri(uri: str) -> str:
    """The URI with its user and password and the values of sensitive query parameters
    replaced by ``***``; everything else (scheme, host, port, other parameters) kept, so that
    a message still says where casegraph tried to connect."""
    try:
        parts = urlsplit(uri)
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{HIDDEN}@{netloc.rpartition('@')[2]}"
        query = urlencode([(name, HIDDEN if SENSITIVE_PARAMETER.search(name) else value)
                           for name, value in parse_qsl(parts.query, keep_blank_values=True)], safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, HIDDEN if parts.fragment else ""))
    except ValueError:  # not parseable (e.g. a bad port or IPv6 address): show none of it
        return HIDDEN


def redact_text(text: str, *, secrets: Iterable[str | None] = ()) -> str:
    """A message with every URI in it redacted (:func:`redact_uri`) and every non-empty
    ``secrets`` value replaced by ``***``."""
    text = URI_IN_TEXT.sub(lambda found: redact_uri(found.group(0)), text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, HIDDEN)
    return text

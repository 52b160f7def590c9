"""Standard Webhooks signatures: ``whsec_`` secrets and the ``webhook-*`` headers.

The signed content is ``{msg_id}.{timestamp}.{body}`` and the signature is
``v1,<base64 HMAC-SHA256>`` keyed with the secret's decoded bytes. During a secret
rotation the message is signed with every live secret and the signatures are sent
space-separated in one header, so a receiver holding either secret keeps verifying.
Pure functions: no clock, no database.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable

PREFIX = "whsec_"
MIN_SECRET_BYTES = 24
MAX_SECRET_BYTES = 64
DEFAULT_SECRET_BYTES = 32


def generate_secret(nbytes: int = DEFAULT_SECRET_BYTES) -> str:
    if not MIN_SECRET_BYTES <= nbytes <= MAX_SECRET_BYTES:
        raise ValueError(f"a secret has {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes")
    return PREFIX + base64.b64encode(secrets.token_bytes(nbytes)).decode("ascii")


def secret_bytes(secret: str) -> bytes:
    """The key bytes of a ``whsec_`` secret; ValueError if it is not one."""
    if not secret.startswith(PREFIX):
        raise ValueError("a signing secret starts with whsec_")
    try:
        key = base64.b64decode(secret[len(PREFIX):], validate=True)
    except binascii.Error as exc:
        raise ValueError("a signing secret is base64 after whsec_") from exc
    if not MIN_SECRET_BYTES <= len(key) <= MAX_SECRET_BYTES:
        raise ValueError(f"a signing secret has {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} bytes")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``body`` for message ``msg_id`` sent at ``timestamp``."""
    if "." in msg_id:  # the id is a field of the signed content; a dot would make it ambiguous
        raise ValueError("a message id may not contain '.'")
    content = f"{msg_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(secret_bytes(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def signature_headers(secrets_: Iterable[str], msg_id: str, timestamp: int,
                      body: bytes) -> dict[str, str]:
    """The three ``webhook-*`` headers, signed with each of ``secrets_`` (newest first)."""
    signatures = [sign(secret, msg_id, timestamp, body) for secret in secrets_]
    if not signatures:
        raise ValueError("at least one secret is needed to sign")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": " ".join(signatures),
    }

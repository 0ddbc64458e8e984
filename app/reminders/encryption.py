"""The encryption of one push message: RFC 8291 (aes128gcm), done by http_ece.

http_ece (the library pywebpush uses) does every step with `cryptography`: a fresh
P-256 key, ECDH with the subscription's key, HKDF with its auth secret, AES-GCM. Two
things it repeats for each message are done once here instead, with the same values,
about a tenth of the CPU a message's encryption takes (bench/dispatch.py, 2026-12-03):
- it asks cryptography for its backend four times, and each time runs an import
  statement. cryptography has had one backend, and ignored the argument, since 3.1:
  http_ece is handed that one backend object, fetched once;
- it encodes the sender's public point twice (for the key derivation and for the
  header): the fresh key given to it keeps its encoding once made.
Nothing of the encryption itself is written here.

Imported by the first Sender (with http_ece and cryptography): a dispatcher with nothing
due, and the web pages, never load them.
"""

from __future__ import annotations

from typing import Any

import http_ece
from cryptography.hazmat.backends import default_backend
from cryptography.hazmat.primitives.asymmetric import ec

CURVE = ec.SECP256R1()
_BACKEND = default_backend()


def _the_backend() -> Any:
    return _BACKEND


if http_ece.default_backend is default_backend:  # as http_ece 1.x imports it: replaced by the same object, once
    http_ece.default_backend = _the_backend


class _SenderKey:
    """A fresh P-256 key for one message, whose public point is encoded at most once.

    http_ece asks it for `public_key().public_bytes(...)` twice and for `exchange()`;
    anything else it asked for would fail loudly (and every test message is decrypted).
    """

    __slots__ = ("encoded", "key")

    def __init__(self) -> None:
        self.key = ec.generate_private_key(CURVE)
        self.encoded: tuple[Any, Any, bytes] | None = None

    def exchange(self, algorithm: ec.ECDH, peer: ec.EllipticCurvePublicKey) -> bytes:
        return self.key.exchange(algorithm, peer)

    def public_key(self) -> _SenderKey:
        return self  # stands for its public key: only public_bytes is asked of that

    def public_bytes(self, encoding: Any, format: Any) -> bytes:
        if self.encoded is None or self.encoded[:2] != (encoding, format):
            self.encoded = (encoding, format, self.key.public_key().public_bytes(encoding, format))
        return self.encoded[2]


def encrypt(message: bytes, p256dh: bytes, auth: bytes) -> bytes:
    """The aes128gcm body of one message to the subscription with these keys (raw bytes).

    ValueError: `p256dh` is not a P-256 point.
    """
    body: bytes = http_ece.encrypt(message, private_key=_SenderKey(), dh=p256dh, auth_secret=auth, version="aes128gcm")
    return body

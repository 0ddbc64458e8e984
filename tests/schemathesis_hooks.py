"""Loaded by schemathesis (SCHEMATHESIS_HOOKS) in tests/test_openapi.py: how to make a value of
the formats the OpenAPI description names that a pattern cannot describe."""

from __future__ import annotations

import base64

import schemathesis
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import strategies as st


def public_key(secret: int) -> str:
    """The P-256 public key of this private number, as a browser gives it (base64url, no padding)."""
    point = ec.derive_private_key(secret, ec.SECP256R1()).public_key()
    raw = point.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# A point on the curve: the API refuses any other 65 bytes, so schema-valid data must be one.
schemathesis.openapi.format("p256-public-key", st.integers(1, 2**255).map(public_key))

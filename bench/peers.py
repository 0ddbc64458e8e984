"""What bench/dispatch.py compares Calm Calf's sender against.

- The crypto floor: RFC 8291 (aes128gcm) for one message done with `cryptography`
  directly and nothing else — a fresh P-256 key, ECDH, two HKDF steps, AES-GCM. No
  sender can spend less CPU per message than this and still encrypt; Calm Calf's
  own path goes through http_ece, as the issue asks. This is a measurement only.
- Node's `web-push` library (installed from the npm registry into a temporary folder
  on first use), tuned: VAPID header once per origin, keep-alive, 128 in flight
  (bench/peer/webpush_sender.js).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HERE = Path(__file__).resolve().parent
WEB_PUSH = "web-push@3.6.7"


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encrypt_floor(message: bytes, p256dh: bytes, auth: bytes) -> bytes:
    """RFC 8291 for one message with the fewest calls `cryptography` allows."""
    curve = ec.SECP256R1()
    ephemeral = ec.generate_private_key(curve)
    receiver = ec.EllipticCurvePublicKey.from_encoded_point(curve, p256dh)
    shared = ephemeral.exchange(ec.ECDH(), receiver)
    sender = ephemeral.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    ikm = HKDF(hashes.SHA256(), 32, auth, b"WebPush: info\x00" + p256dh + sender).derive(shared)
    salt = os.urandom(16)
    key = HKDF(hashes.SHA256(), 16, salt, b"Content-Encoding: aes128gcm\x00").derive(ikm)
    nonce = HKDF(hashes.SHA256(), 12, salt, b"Content-Encoding: nonce\x00").derive(ikm)
    sealed = AESGCM(key).encrypt(nonce, message + b"\x02", None)
    return salt + (4096).to_bytes(4, "big") + bytes([len(sender)]) + sender + sealed


def crypto_floor(subscriptions: list[dict], message: bytes) -> float:
    """CPU seconds per message for the encryption alone, over these subscriptions' keys."""
    keys = [(_b64d(s["keys"]["p256dh"]), _b64d(s["keys"]["auth"])) for s in subscriptions]
    started = time.process_time()
    for p256dh, auth in keys:
        _encrypt_floor(message, p256dh, auth)
    return (time.process_time() - started) / len(keys)


def install_web_push(folder: Path) -> Path:
    """web-push from the npm registry, into `folder`; returns its node_modules."""
    modules = folder / "node_modules"
    if not (modules / "web-push").is_dir():
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--silent", "--prefix", str(folder), WEB_PUSH],
            check=True,
            capture_output=True,
        )
    return modules


def node_sender(
    modules: Path,
    folder: Path,
    subscriptions: list[dict],
    message: str,
    subject: str,
    keys: tuple[str, str],
    cafile: Path | None,
    in_flight: int = 128,
) -> dict:
    """Run the tuned web-push sender once: {"sent", "failed", "wall_s", "cpu_s"}."""
    job = folder / "node-job.json"
    public, private = keys
    job.write_text(
        json.dumps(
            {
                "subscriptions": subscriptions,
                "payload": message,
                "subject": subject,
                "publicKey": public,
                "privateKey": private,
                "inFlight": in_flight,
            }
        )
    )
    env = {**os.environ, "NODE_PATH": str(modules)}
    if cafile:
        env["NODE_EXTRA_CA_CERTS"] = str(cafile)
    result = subprocess.run(
        ["node", str(HERE / "peer" / "webpush_sender.js"), str(job)],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    return json.loads(result.stdout)

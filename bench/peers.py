"""What bench/dispatch.py compares Calm Calf's sender against, and how each is timed.

- The crypto floor: RFC 8291 (aes128gcm) for one message done with `cryptography`
  directly and nothing else — a fresh P-256 key, ECDH, two HKDF steps, AES-GCM. No
  sender can spend less CPU per message than this and still encrypt; Calm Calf's
  own path goes through http_ece. This is a measurement only.
- Node's `web-push` library (installed from the npm registry into a temporary folder
  on first use), tuned: VAPID header once per origin, keep-alive, 128 in flight
  (bench/peer/webpush_sender.js).
- pywebpush used well: VAPID headers signed once per origin, pooled keep-alive
  connections, sends overlapped on asyncio (`webpush_async`, one aiohttp session) or on
  threads (`webpush`, one requests.Session) (bench/peer/pywebpush_sender.py).

Every peer runs as a process of its own, and is timed two ways: its whole process,
start-up included (as the shipped `calmcalf dispatch --once` is), and the sending alone,
as the peer measures itself after its start-up.
"""

from __future__ import annotations

import base64
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

HERE = Path(__file__).resolve().parent
WEB_PUSH = "web-push@3.6.7"
PYWEBPUSH_IN_FLIGHT = 16  # the least CPU of 8, 16, 32, 64 and 128 here (asyncio; threads do no better with more)


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


def children_cpu() -> float:
    """CPU seconds used by every child process this one has waited for (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], env: dict, cwd: Path | None = None) -> tuple[float, float, str]:
    """Run a command to its end: (wall seconds, CPU seconds of all its processes, its stdout)."""
    cpu, start = children_cpu(), time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command[:4])} failed:\n{result.stderr[-3000:]}")
    return wall, children_cpu() - cpu, result.stdout.strip()


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


def _job(folder: Path, subscriptions: list[dict], message: str, subject: str, keys: tuple[str, str], **extra) -> Path:
    """The job file both peers read: subscriptions, message, subject, VAPID key pair (base64url)."""
    job = folder / "peer-job.json"
    public, private = keys
    body = {"subscriptions": subscriptions, "payload": message, "subject": subject}
    job.write_text(json.dumps({**body, "publicKey": public, "privateKey": private, **extra}))
    return job


def _peer(command: list[str], env: dict, expected: int) -> dict:
    """Run one peer: what it measured itself ("sent", "wall_s", "cpu_s") and its whole process ("whole_*")."""
    wall, cpu, out = timed(command, env)
    result = json.loads(out)
    if result["sent"] != expected:
        raise SystemExit(f"{command[1]} sent {result['sent']} of {expected}")
    return {**result, "whole_wall_s": wall, "whole_cpu_s": cpu}


def node_sender(modules: Path, folder: Path, subscriptions, message, subject, keys, cafile: Path | None) -> dict:
    """The tuned web-push sender, once over these subscriptions."""
    job = _job(folder, subscriptions, message, subject, keys, inFlight=128)
    env = {**os.environ, "NODE_PATH": str(modules)}
    if cafile:
        env["NODE_EXTRA_CA_CERTS"] = str(cafile)
    return _peer(["node", str(HERE / "peer" / "webpush_sender.js"), str(job)], env, len(subscriptions))


def pywebpush_sender(mode: str, folder: Path, subscriptions, message, subject, keys, cafile: Path | None) -> dict:
    """pywebpush used well ("async" or "threads"), once over these subscriptions."""
    job = _job(folder, subscriptions, message, subject, keys, inFlight=PYWEBPUSH_IN_FLIGHT, mode=mode)
    env = dict(os.environ)
    if cafile:  # requests reads REQUESTS_CA_BUNDLE; Python's ssl (aiohttp) reads SSL_CERT_FILE
        env["REQUESTS_CA_BUNDLE"] = env["SSL_CERT_FILE"] = str(cafile)
    return _peer([sys.executable, str(HERE / "peer" / "pywebpush_sender.py"), str(job)], env, len(subscriptions))

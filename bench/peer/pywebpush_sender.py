"""The peer for bench/dispatch.py: pywebpush used well.

What a careful Python sender does with pywebpush's own API, as fast as it honestly goes:
the VAPID headers are signed once per push-service origin (py_vapid, as pywebpush does)
and handed to every send; connections are pooled and kept alive; sends overlap, either
on threads sharing one `requests.Session` (`webpush`) or on one asyncio loop sharing one
`aiohttp.ClientSession` (`webpush_async`). Encryption is pywebpush's own (http_ece).

    python pywebpush_sender.py JOB.json   ->  prints {"sent", "failed", "wall_s", "cpu_s"}

JOB.json: {"subscriptions": [...], "payload": "...", "subject": "mailto:...",
           "privateKey": "<base64url raw>", "inFlight": 32, "mode": "threads" | "async"}
"""

from __future__ import annotations

import asyncio
import json
import ssl
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from py_vapid import Vapid02
from pywebpush import WebPushException, webpush, webpush_async

TTL = 9000
EXTRA = {"Urgency": "normal", "Topic": "bedtime"}


def signed_headers(job: dict) -> dict[str, dict]:
    """The VAPID headers per push-service origin, signed once each (a fresh claims dict per origin)."""
    vapid = Vapid02.from_raw(job["privateKey"].encode())
    origins = {"/".join(s["endpoint"].split("/", 3)[:3]) for s in job["subscriptions"]}
    expires = int(time.time()) + 12 * 3600
    return {o: {**vapid.sign({"sub": job["subject"], "aud": o, "exp": expires}), **EXTRA} for o in origins}


def origin(endpoint: str) -> str:
    return "/".join(endpoint.split("/", 3)[:3])


def with_threads(job: dict, headers: dict[str, dict]) -> int:
    """pywebpush.webpush on a thread pool, all threads sharing one pooled requests.Session."""
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=4, pool_maxsize=job["inFlight"])
    session.mount("https://", adapter)
    session.mount("http://", adapter)

    def send(subscription: dict) -> bool:
        try:
            webpush(
                subscription,
                data=job["payload"],
                headers=headers[origin(subscription["endpoint"])],
                ttl=TTL,
                timeout=20,
                requests_session=session,
            )
        except WebPushException:
            return False
        return True

    with ThreadPoolExecutor(max_workers=job["inFlight"]) as pool:
        sent = sum(pool.map(send, job["subscriptions"]))
    session.close()
    return sent


async def with_asyncio(job: dict, headers: dict[str, dict]) -> int:
    """pywebpush.webpush_async on one loop, at most inFlight at once, sharing one aiohttp.ClientSession."""
    import aiohttp

    connector = aiohttp.TCPConnector(limit=job["inFlight"], ssl=ssl.create_default_context())
    timeout = aiohttp.ClientTimeout(total=20)
    gate = asyncio.Semaphore(job["inFlight"])
    async with aiohttp.ClientSession(connector=connector) as session:

        async def send(subscription: dict) -> bool:
            async with gate:
                try:
                    response = await webpush_async(
                        subscription,
                        data=job["payload"],
                        headers=headers[origin(subscription["endpoint"])],
                        ttl=TTL,
                        timeout=timeout,  # type: ignore[arg-type]  # passed through to aiohttp
                        aiohttp_session=session,
                    )
                except WebPushException:
                    return False
                response.release()
                return True

        return sum(await asyncio.gather(*(send(s) for s in job["subscriptions"])))


def main() -> None:
    with open(sys.argv[1]) as file:
        job = json.load(file)
    cpu, started = time.process_time(), time.perf_counter()
    headers = signed_headers(job)
    sent = with_threads(job, headers) if job["mode"] == "threads" else asyncio.run(with_asyncio(job, headers))
    wall, used = time.perf_counter() - started, time.process_time() - cpu
    failed = len(job["subscriptions"]) - sent
    print(json.dumps({"sent": sent, "failed": failed, "wall_s": wall, "cpu_s": used}))


if __name__ == "__main__":
    main()

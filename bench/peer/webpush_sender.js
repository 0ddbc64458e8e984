// The peer for bench/dispatch.py: Node's web-push library, tuned the way a careful
// sender would use it. The VAPID header is made once per push-service origin (not a
// new JWT per message), requests go over keep-alive connections, and at most
// IN_FLIGHT are in flight at once. Encryption is web-push's own (aes128gcm).
//
//   node webpush_sender.js JOB.json   ->  prints {"sent", "failed", "wall_s", "cpu_s"}
//
// JOB.json: {"subscriptions": [...], "payload": "...", "subject": "mailto:...",
//            "publicKey": "<base64url>", "privateKey": "<base64url>", "inFlight": 128}
'use strict';
const fs = require('fs');
const http = require('http');
const https = require('https');
const webpush = require('web-push');

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: job.inFlight }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: job.inFlight }),
};
const vapidByOrigin = new Map();

function vapidFor(endpoint) {
  const { protocol, host } = new URL(endpoint);
  const origin = `${protocol}//${host}`;
  if (!vapidByOrigin.has(origin)) {
    const headers = webpush.getVapidHeaders(origin, job.subject, job.publicKey, job.privateKey, 'aes128gcm');
    vapidByOrigin.set(origin, headers.Authorization);
  }
  return vapidByOrigin.get(origin);
}

function send(subscription) {
  const details = webpush.generateRequestDetails(subscription, job.payload, {
    TTL: 9000,
    urgency: 'normal',
    topic: 'bedtime',
    headers: { Authorization: vapidFor(subscription.endpoint) },
  });
  const target = new URL(details.endpoint);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve) => {
    const request = transport.request(
      {
        hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST',
        headers: details.headers, agent: agents[target.protocol], timeout: 20000,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode >= 200 && response.statusCode < 300));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', () => resolve(false));
    request.end(details.body);
  });
}

async function main() {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  let next = 0;
  let sent = 0;
  let failed = 0;
  async function worker() {
    while (next < job.subscriptions.length) {
      const subscription = job.subscriptions[next++];
      if (await send(subscription)) sent++; else failed++;
    }
  }
  await Promise.all(Array.from({ length: job.inFlight }, worker));
  const used = process.cpuUsage(cpu);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(JSON.stringify({ sent, failed, wall_s: wall, cpu_s: (used.user + used.system) / 1e6 }) + '\n');
  for (const agent of Object.values(agents)) agent.destroy();
}

main();

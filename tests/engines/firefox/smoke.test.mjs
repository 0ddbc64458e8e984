// The Firefox smoke suite: the app's core flows in Debian's firefox-esr, driven over
// WebDriver BiDi by puppeteer-core (no geckodriver, nothing downloaded). Run by
// tests/engines/test_firefox.py, which passes the paths: CALMCALF_SERVE (the shipped
// `calmcalf` command) and CALMCALF_TEST_FIREFOX. Each flow runs against a real
// `calmcalf serve` on 127.0.0.1; the offline one stops its own server.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const FIREFOX = process.env.CALMCALF_TEST_FIREFOX || '/usr/bin/firefox-esr';
const CALMCALF = process.env.CALMCALF_SERVE;
// The languages the app ships, as tests/test_firefox.py found them in the app.
const LANGUAGES = (process.env.CALMCALF_TEST_LANGUAGES || '').split(',').filter(Boolean);
const PHONE = { width: 360, height: 640, deviceScaleFactor: 1, isMobile: true, hasTouch: true };
const PUSH_SILENT = 'Your phone’s push service did not answer. Check your connection and try again.';

// The page's clock, moved on by a test: a locked phone's time jump, without the wait.
const SKIP = `(() => {
  const now = Date.now.bind(Date);
  let skew = 0;
  Date.now = () => now() + skew;
  window.__skip = (ms) => { skew += ms; };
})();`;

// Every flow ends: a hang fails it (with its name) instead of holding the run.
const flow = (name, fn) => test(name, { timeout: 90_000 }, fn);

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** A free port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (probe.address());
      probe.close(() => resolve(port));
    });
  });
}

/** `calmcalf serve` on its own database; resolves once /healthz answers. */
async function serve() {
  const folder = mkdtempSync(join(tmpdir(), 'calmcalf-firefox-'));
  const port = await freePort();
  const child = spawn(CALMCALF, ['serve', '--port', String(port), '--no-dispatch', '--threads', '4'], {
    env: { ...process.env, CALMCALF_DATABASE_URL: `sqlite:///${folder}/calmcalf.db` },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let errors = '';
  child.stderr.on('data', (chunk) => { errors += chunk; });
  const url = `http://127.0.0.1:${port}`;
  for (let tries = 0; ; tries += 1) {
    if (child.exitCode !== null) throw new Error(`calmcalf serve ended: ${errors}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      if (tries > 300) throw new Error(`calmcalf serve did not answer: ${errors}`);
    }
    await sleep(100);
  }
  const exited = new Promise((resolve) => { child.once('exit', resolve); });
  const stop = async () => { // once or twice: a signalled process has no exit code, so wait on the event
    child.kill('SIGTERM');
    await exited;
    rmSync(folder, { recursive: true, force: true });
  };
  return { url, stop };
}

let browser;
let server;

before(async () => {
  assert.ok(CALMCALF, 'CALMCALF_SERVE names the calmcalf command');
  server = await serve();
  browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    headless: true,
    extraPrefsFirefox: {
      'permissions.default.desktop-notification': 1, // as if the person allowed notifications
      'dom.push.serverURL': 'wss://127.0.0.1:9/', // no push service (nothing listens there)
      'dom.push.connection.enabled': true,
      'dom.push.requestTimeout': 1000, // so the refusal comes before the page's own 10 s wait
    },
  });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A fresh profile's page on a phone-sized screen (each context has its own storage and workers). */
async function phonePage(viewport = PHONE) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.setViewport(viewport);
  await page.evaluateOnNewDocument(SKIP);
  return { page, context, errors };
}

/** Poll an async expression in the page until it is truthy. */
async function until(page, expression, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await page.evaluate(expression).catch(() => null);
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`still falsy after ${timeout} ms: ${expression}`);
    await sleep(100);
  }
}

const offlineReady = (page) => until(page, `navigator.serviceWorker.ready
  .then(() => caches.keys())
  .then((names) => !!navigator.serviceWorker.controller && names.some((n) => n.startsWith('calmcalf-static-')))`);

const text = (page, selector) => page.$eval(selector, (el) => el.textContent.trim());

flow('first load: home with Cramp now, and the service worker caches the app', async () => {
  const { page, context, errors } = await phonePage();
  await page.goto(`${server.url}/`);
  assert.equal(await text(page, '#cramp-now'), 'Cramp now');
  await offlineReady(page);
  assert.deepEqual(errors, []);
  await context.close();
});

flow('offline: with the server stopped, a reload still opens the app and Cramp now runs', async () => {
  const own = await serve();
  const { page, context, errors } = await phonePage();
  try {
    await page.goto(`${own.url}/`);
    await offlineReady(page);
    await own.stop();
    await page.reload();
    assert.equal(await text(page, '#cramp-now'), 'Cramp now');
    await page.goto(`${own.url}/relief`);
    await until(page, "document.querySelector('#countdown').textContent.startsWith('0:')");
    assert.equal(await text(page, '.step.current .step-title'), 'Pull your toes up');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await own.stop();
  }
});

flow("Cramp now, It's gone, and the cramp is in the diary", async () => {
  const { page, context, errors } = await phonePage();
  await page.goto(`${server.url}/`);
  await page.click('#cramp-now');
  await until(page, "location.pathname === '/relief' && !document.getElementById('relief').hidden");
  await page.evaluate(() => window.__skip(75_000));
  await until(page, "document.querySelector('.step.current').dataset.step === 'heel-walk'");
  await page.click('#gone');
  // 75 s moved on, and the real seconds the taps took.
  await until(page, "/^It lasted 1 min 1[5-9] s\\.$/.test(document.getElementById('done-duration').textContent)");
  await page.click('button[data-severity="4"]');
  await until(page, "document.getElementById('severity-saved').textContent === 'Saved: 4 out of 10.'");
  await page.goto(`${server.url}/diary`);
  await until(page, "document.getElementById('diary').dataset.ready === 'true'");
  assert.equal(await page.$$eval('#episode-list li', (items) => items.length), 1);
  assert.match(await text(page, '#episode-list li'), /1 min 1[5-9] s/);
  assert.deepEqual(errors, []);
  await context.close();
});

flow("the bedtime routine, finished, ticks tonight's checklist", async () => {
  const { page, context, errors } = await phonePage();
  await page.goto(`${server.url}/bedtime`);
  await page.click('#routine-start');
  await until(page, "!document.getElementById('routine-player').hidden");
  await page.evaluate(() => window.__skip(10 * 60_000));
  await until(page, "!document.getElementById('routine-done').hidden");
  await until(page, "document.getElementById('routine').dataset.nightDone"); // the tick is stored by then
  await page.goto(`${server.url}/checklist`);
  await until(page, "document.getElementById('checklist').dataset.ready === 'true'");
  assert.equal(await page.$eval('input[name="stretch"]', (input) => input.checked), true);
  assert.deepEqual(errors, []);
  await context.close();
});

flow('the language menu switches the page to Spanish and Russian', async () => {
  const { page, context, errors } = await phonePage();
  await page.goto(`${server.url}/`);
  for (const [lang, button] of [['es', 'Tengo un calambre'], ['ru', 'Свело ногу']]) {
    await page.click('#languages summary');
    await page.waitForSelector(`#languages a[data-lang="${lang}"]`, { visible: true });
    await Promise.all([page.waitForNavigation(), page.click(`#languages a[data-lang="${lang}"]`)]);
    assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
    assert.equal(await text(page, '#cramp-now'), button);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

flow('Reminders without a push service: the push service did not answer (not "a private window")', async () => {
  const { page, context, errors } = await phonePage();
  await page.goto(`${server.url}/reminders`);
  await until(page, "document.getElementById('reminders').dataset.ready === 'true'");
  const tapped = Date.now();
  await page.click('#reminder-form button[type="submit"]');
  const said = await until(page, `(() => { const t = document.getElementById('reminder-state').textContent.trim();
    return t && t !== 'Setting up…' && t; })()`, 30_000);
  assert.equal(said, PUSH_SILENT);
  // Firefox's own refusal (AbortError, after dom.push.requestTimeout), not the page's 10 s wait, said so.
  assert.ok(Date.now() - tapped < 9_000, `answered after ${Date.now() - tapped} ms`);
  assert.equal(await page.$eval('#push-problem', (el) => el.hidden), true);
  assert.deepEqual(errors, []);
  await context.close();
});

flow('large text: at 200% zoom the step, countdown and controls fit a 360x640 phone, in every language', async () => {
  // Android's 200% text is page zoom: a 180x320 CSS viewport at two device pixels per CSS pixel.
  const { page, context, errors } = await phonePage({ ...PHONE, width: 180, height: 320, deviceScaleFactor: 2 });
  const ids = ['back', 'pause', 'next', 'gone'];
  assert.ok(LANGUAGES.includes('en') && LANGUAGES.length > 1, `the app's languages: ${LANGUAGES}`);
  for (const lang of LANGUAGES) {
    await page.goto(`${server.url}/?lang=${lang}`);
    const home = await page.$eval('#cramp-now', (el) => el.getBoundingClientRect().toJSON());
    assert.ok(home.top >= 0 && home.bottom <= 320, `Cramp now on screen (${lang}): ${JSON.stringify(home)}`);
    await page.click('#cramp-now');
    await until(page, "!document.getElementById('relief').hidden && scrollY === 0");
    const measure = () => page.evaluate((controls) => {
      const box = (el) => el.getBoundingClientRect().toJSON();
      return {
        title: box(document.querySelector('.step.current .step-title')),
        countdown: box(document.getElementById('countdown')),
        foot: box(document.querySelector('.timer-actions')).top,
        controls: Object.fromEntries(controls.map((id) => [id, box(document.getElementById(id))])),
      };
    }, ids);
    const running = await measure();
    for (let step = 1; step <= 4; step += 1) {
      const seen = await measure();
      for (const name of ['title', 'countdown']) {
        const where = `${name} (${lang}, step ${step}): ${JSON.stringify(seen[name])}, controls from ${seen.foot}`;
        assert.ok(seen[name].top >= 0 && seen[name].bottom <= seen.foot + 0.5, where);
      }
      for (const id of ids) {
        assert.ok(seen.controls[id].top >= 0 && seen.controls[id].bottom <= 320.5, `${id} (${lang}, step ${step})`);
      }
      assert.deepEqual(seen.controls, running.controls, `the controls stay put (${lang}, step ${step})`);
      await page.click('#next');
    }
    await page.click('#pause');
    await until(page, "document.getElementById('pause').getAttribute('aria-pressed') === 'true'");
    assert.deepEqual((await measure()).controls, running.controls, `Pause and Resume keep their boxes (${lang})`);
    await page.click('#gone');
  }
  assert.deepEqual(errors, []);
  await context.close();
});

// Cramp now: one tap starts the guided relief steps; "It's gone" saves the episode.

import { SequenceTimer, formatClock } from './timer.js';
import { WakeLock, chime, loadSettings, saveSettings, speak, vibrate } from './cues.js';
import { addEpisode, updateEpisode } from './store.js';

// The running session is kept so that a reload (a phone that discarded the
// tab while the screen was locked) comes back to the same, still-correct timer.
const SESSION_KEY = 'calmcalf.relief-session';
const RESUME_WITHIN_MS = 30 * 60 * 1000;
const TICK_MS = 250;

const $ = (id) => document.getElementById(id);

/** Fill "{name}" holes in a translated message kept in a data attribute. */
function message(holder, name, values = {}) {
  const key = `msg${name.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())}`;
  return (holder.dataset[key] || '').replace(/\{(\w+)\}/g, (_, k) => values[k] ?? '');
}

function readSession() {
  try {
    const saved = JSON.parse(localStorage.getItem(SESSION_KEY) || 'null');
    if (saved && Date.now() - saved.timer.startedAt < RESUME_WITHIN_MS) return saved;
  } catch {
    // A damaged entry is simply ignored.
  }
  return null;
}

export function initRelief() {
  const section = $('relief');
  if (!section) return null;
  const home = $('home');
  const done = $('done');
  const allSteps = [...section.querySelectorAll('.step')];
  const settings = loadSettings();
  const wake = new WakeLock();
  const redFlagMs = Number(section.dataset.redFlagMinutes) * 60 * 1000;

  let timer = null;
  let steps = [];
  let leg = null;
  let shown = { index: -1, round: -1 };
  let ticking = null;
  let saving = null;

  /** The steps for someone who can, or cannot, stand up. */
  function stepsFor(cantStand) {
    const skip = cantStand ? 'standing' : 'in-bed';
    return allSteps.filter((li) => li.dataset.where !== skip);
  }

  const durationsOf = (list) => list.map((li) => Number(li.dataset.seconds) * 1000);

  function saveSession() {
    try {
      localStorage.setItem(SESSION_KEY, JSON.stringify({ timer: timer.snapshot(), leg }));
    } catch {
      // Storage full or blocked: the timer still runs.
    }
  }

  /** Set an element's text only if it differs: unchanged text costs no layout or paint. */
  function setText(id, text) {
    const el = $(id);
    if (el.textContent !== text) el.textContent = text;
  }

  function announce(text) {
    $('announcer').textContent = text;
  }

  /** Show the first step as it will look when the timer starts. */
  function preview() {
    const first = steps[0];
    allSteps.forEach((step) => step.classList.toggle('current', step === first));
    setText('step-count', message(section, 'step-count', { n: 1, total: steps.length }));
    setText('countdown', formatClock(Number(first.dataset.seconds) * 1000));
  }

  function showStep(state, isChange) {
    const li = steps[state.stepIndex];
    allSteps.forEach((step) => step.classList.toggle('current', step === li));
    setText('step-count', message(section, 'step-count', { n: state.stepIndex + 1, total: steps.length }));
    const title = li.querySelector('.step-title').textContent;
    const text = li.querySelector('.step-text').textContent;
    const again = isChange && state.round > shown.round && state.stepIndex === 0 ? `${message(section, 'again')} ` : '';
    const seconds = message(section, 'seconds', { s: Math.round(state.stepMs / 1000) });
    announce(`${again}${title}. ${text} ${seconds}`);
    if (isChange) {
      vibrate([180]);
      if (settings.sound) chime();
    }
    if (settings.voice) speak(`${again}${title}. ${text}`);
    shown = { index: state.stepIndex, round: state.round };
  }

  /** Draw the timer for the current moment. */
  function render(t = Date.now()) {
    if (!timer) return;
    const state = timer.state(t);
    if (state.stepIndex !== shown.index || state.round !== shown.round) {
      showStep(state, shown.index !== -1);
    }
    setText('countdown', formatClock(state.stepRemainingMs));
    const offset = String(Math.round((1000 * state.stepElapsedMs) / state.stepMs) / 10);
    if ($('ring').getAttribute('stroke-dashoffset') !== offset) $('ring').setAttribute('stroke-dashoffset', offset);
    setText('elapsed', formatClock(state.totalMs, false));
    if (state.totalMs >= redFlagMs && $('red-flag').hidden) {
      $('red-flag').hidden = false;
      if (settings.sound) chime();
      vibrate([300, 150, 300]);
    }
  }

  function setPausedLook(paused) {
    setText('pause', message(section, paused ? 'resume' : 'pause'));
    $('pause').setAttribute('aria-pressed', String(paused));
    section.classList.toggle('paused', paused);
  }

  function setLeg(value) {
    leg = value === 'left' || value === 'right' ? value : null;
    section.classList.toggle('leg-left', leg === 'left');
    section.querySelectorAll('input[name="leg"]').forEach((input) => {
      input.checked = input.value === leg;
    });
  }

  function show(which) {
    if (which === section && section.classList.contains('ready-offstage')) {
      // Fast path for the tap: reveal the painted layer, hide home without layout.
      section.classList.replace('ready-offstage', 'revealing');
      section.inert = false;
      home.classList.add('leaving');
      done.hidden = true;
      return;
    }
    settle();
    home.hidden = which !== home;
    section.hidden = which !== section;
    done.hidden = which !== done;
  }

  /** After the first frame: put the timer back in the page flow and drop home. */
  function settle() {
    if (!section.classList.contains('revealing')) return;
    section.classList.remove('revealing');
    home.classList.remove('leaving');
    home.hidden = true;
  }

  /** Lay the timer out and paint it while nobody is waiting, so a tap only reveals it. */
  function prepareOffstage() {
    if (timer || !section.hidden) return;
    steps = stepsFor(settings.cantStand);
    preview();
    section.inert = true;
    section.classList.add('ready-offstage');
    section.hidden = false;
  }

  /** Begin (or resume) the relief steps; `afterFrame` runs once the timer is on screen. */
  function start(saved = null, afterFrame = () => {}) {
    steps = stepsFor(settings.cantStand);
    if (saved) {
      timer = SequenceTimer.restore(saved.timer);
      if (timer.durations.length !== steps.length) timer.setDurations(durationsOf(steps));
      setLeg(saved.leg);
    } else {
      timer = new SequenceTimer(durationsOf(steps), { loop: true });
      timer.start();
      setLeg(null);
    }
    shown = { index: -1, round: -1 };
    $('red-flag').hidden = true;
    setPausedLook(timer.paused);
    show(section);
    render();
    clearInterval(ticking);
    ticking = setInterval(render, TICK_MS);
    // Paint the timer first; bookkeeping waits until that frame is on screen
    // (or a moment, where no frame comes: a hidden page runs no rAF).
    let pending = true;
    const bookkeeping = () => {
      if (!pending) return;
      pending = false;
      settle();
      // Keyboard and screen-reader users continue inside the timer, not on the hidden button.
      if (!section.contains(document.activeElement)) $('relief-title').focus({ preventScroll: true });
      wake.acquire();
      saveSession();
      afterFrame();
    };
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = bookkeeping;
      channel.port2.postMessage(null);
    });
    setTimeout(bookkeeping, 250);
  }

  function stop() {
    clearInterval(ticking);
    ticking = null;
    timer = null;
    wake.release();
    if ('speechSynthesis' in window) window.speechSynthesis.cancel();
    try {
      localStorage.removeItem(SESSION_KEY);
    } catch {
      // Nothing to clear.
    }
  }

  /** "It's gone": save the episode, then ask how bad it was. */
  function finish() {
    const end = Date.now();
    const start = timer.startedAt;
    stop();
    const seconds = Math.max(0, Math.round((end - start) / 1000));
    $('done-duration').textContent = seconds < 60
      ? message(done, 'duration-short', { s: seconds })
      : message(done, 'duration', { m: Math.floor(seconds / 60), s: seconds % 60 });
    done.querySelectorAll('[data-severity]').forEach((b) => b.setAttribute('aria-pressed', 'false'));
    $('severity-saved').textContent = '';
    show(done);
    $('done-title').focus();
    saving = addEpisode({
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      durationSeconds: seconds,
      leg,
      source: 'cramp-now',
    }).catch(() => {
      $('done-stored').textContent = message(done, 'not-saved');
      return null;
    });
  }

  async function rateSeverity(button) {
    const severity = Number(button.dataset.severity);
    const episode = await saving;
    if (!episode) return;
    await updateEpisode(episode.id, { severity });
    done.querySelectorAll('[data-severity]').forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
    $('severity-saved').textContent = message(done, 'saved', { n: severity });
  }

  /** Switch between the standing and in-bed steps without losing the clock. */
  function setCantStand(cantStand) {
    settings.cantStand = cantStand;
    saveSettings(settings);
    if (!timer) return;
    const now = Date.now();
    const state = timer.state(now);
    const currentKey = steps[state.stepIndex].dataset.step;
    steps = stepsFor(cantStand);
    const sameStep = steps.findIndex((li) => li.dataset.step === currentKey);
    const index = sameStep >= 0 ? sameStep : Math.min(state.stepIndex, steps.length - 1);
    timer.setDurations(durationsOf(steps));
    timer.goTo(index, state.round, now);
    shown = { index: -1, round: -1 };
    render(now);
    saveSession();
  }

  function control(action) {
    if (!timer) return;
    const now = Date.now();
    if (action === 'pause') {
      if (timer.paused) {
        timer.resume(now);
        announce(message(section, 'resumed'));
      } else {
        timer.pause(now);
        announce(message(section, 'paused'));
      }
      setPausedLook(timer.paused);
    } else {
      timer[action](now);
    }
    render(now);
    saveSession();
  }

  // Wiring. The Cramp now form works without script (it opens /relief);
  // with script, the timer starts in place on the same frame as the tap.
  const crampNow = $('cramp-now');
  crampNow.addEventListener('click', (event) => {
    event.preventDefault(); // no form submission: start in place
    const tappedAt = event.timeStamp;
    start(null, () => {
      // Runs after the first timer frame: measure it for the benchmark, then record the visit.
      performance.measure('cramp-now:tap-to-frame', { start: tappedAt, end: performance.now() });
      history.pushState({ relief: true }, '', '/relief');
      document.title = crampNow.textContent.trim() + document.title.slice(document.title.indexOf(' · '));
    });
  });
  $('pause').addEventListener('click', () => control('pause'));
  $('next').addEventListener('click', () => control('next'));
  $('back').addEventListener('click', () => control('back'));
  $('gone').addEventListener('click', finish);
  done.querySelectorAll('[data-severity]').forEach((button) => {
    button.addEventListener('click', () => rateSeverity(button));
  });
  section.querySelectorAll('input[name="leg"]').forEach((input) => {
    input.addEventListener('change', () => {
      setLeg(input.value);
      if (timer) saveSession();
    });
  });
  const cantStand = $('cant-stand');
  cantStand.checked = settings.cantStand;
  cantStand.addEventListener('change', () => setCantStand(cantStand.checked));
  for (const name of ['sound', 'voice']) {
    const toggle = $(name);
    toggle.checked = settings[name];
    toggle.addEventListener('change', () => {
      settings[name] = toggle.checked;
      saveSettings(settings);
      if (name === 'sound' && toggle.checked) chime();
      if (name === 'voice' && toggle.checked && timer) {
        const li = steps[timer.state().stepIndex];
        speak(`${li.querySelector('.step-title').textContent}. ${li.querySelector('.step-text').textContent}`);
      }
    });
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') render();
  });
  const whenIdle = (fn) => (window.requestIdleCallback || ((f) => setTimeout(f, 200)))(fn, { timeout: 1000 });
  window.addEventListener('popstate', () => {
    if (location.pathname === '/' && timer) {
      stop();
      show(home);
      whenIdle(prepareOffstage);
    }
  });

  if (section.dataset.autostart === 'true') {
    start(readSession());
  } else {
    stop();
    window.addEventListener('load', () => whenIdle(prepareOffstage), { once: true });
  }
  return { start, finish, render };
}

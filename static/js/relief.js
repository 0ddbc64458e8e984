// Cramp now: one tap starts the guided relief steps; "It's gone" saves the episode.

import { StepPlayer } from './player.js';
import { message, plural, setText } from './text.js';
import { formatClock } from './timer.js';
import { chime, saveSettings, vibrate } from './cues.js';
import { addEpisode, updateEpisode } from './store.js';

// The running session is kept so that a reload (a phone that discarded the
// tab while the screen was locked) comes back to the same, still-correct timer.
const SESSION_KEY = 'calmcalf.relief-session';
const RESUME_WITHIN_MS = 30 * 60 * 1000;

const $ = (id) => document.getElementById(id);

function readSession() {
  try {
    const saved = JSON.parse(localStorage.getItem(SESSION_KEY) || 'null');
    if (saved && Date.now() - saved.timer.startedAt < RESUME_WITHIN_MS) return saved;
  } catch {
    // A damaged entry is simply ignored.
  }
  return null;
}

function forgetSession() {
  try {
    localStorage.removeItem(SESSION_KEY);
  } catch {
    // Nothing to clear.
  }
}

export function initRelief() {
  const section = $('relief');
  if (!section) return null;
  const home = $('home');
  const done = $('done');
  const redFlagMs = Number(section.dataset.redFlagMinutes) * 60 * 1000;
  let leg = null;
  let saving = null;

  const player = new StepPlayer(section, {
    loop: true,
    onRender: showElapsed,
    onChange: saveSession,
  });
  const { settings } = player;

  /** The steps for someone who can, or cannot, stand up. */
  function stepsFor(cantStand) {
    const skip = cantStand ? 'standing' : 'in-bed';
    return player.allSteps.filter((li) => li.dataset.where !== skip);
  }

  function saveSession() {
    try {
      localStorage.setItem(SESSION_KEY, JSON.stringify({ timer: player.snapshot(), leg }));
    } catch {
      // Storage full or blocked: the timer still runs.
    }
  }

  /** Cramp time since the tap, and the red-flag advice at 10 minutes. */
  function showElapsed(state) {
    setText('elapsed', formatClock(state.totalMs, false));
    if (state.totalMs >= redFlagMs && $('red-flag').hidden) {
      $('red-flag').hidden = false;
      if (settings.sound) chime();
      vibrate([300, 150, 300]);
    }
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
    if (player.running || !section.hidden) return;
    player.setSteps(stepsFor(settings.cantStand));
    player.preview();
    section.inert = true;
    section.classList.add('ready-offstage');
    section.hidden = false;
  }

  /** Begin (or resume) the relief steps; afterFrame runs once the timer is on screen. */
  function start(saved = null, afterFrame = () => {}) {
    player.setSteps(stepsFor(settings.cantStand));
    setLeg(saved ? saved.leg : null);
    $('red-flag').hidden = true;
    show(section);
    player.start(saved && saved.timer, () => {
      settle();
      // Keyboard and screen-reader users continue inside the timer, not on the hidden button.
      if (!section.contains(document.activeElement)) $('relief-title').focus({ preventScroll: true });
      saveSession();
      afterFrame();
    });
  }

  /** "It's gone": save the episode, then ask how bad it was. */
  function finish() {
    const end = Date.now();
    const start = player.timer.startedAt;
    player.stop();
    forgetSession();
    const seconds = Math.max(0, Math.round((end - start) / 1000));
    $('done-duration').textContent = seconds < 60
      ? plural(done, 'duration-short', seconds, { s: seconds })
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
  $('gone').addEventListener('click', finish);
  done.querySelectorAll('[data-severity]').forEach((button) => {
    button.addEventListener('click', () => rateSeverity(button));
  });
  section.querySelectorAll('input[name="leg"]').forEach((input) => {
    input.addEventListener('change', () => {
      setLeg(input.value);
      if (player.running) saveSession();
    });
  });
  const cantStand = $('cant-stand');
  cantStand.checked = settings.cantStand;
  cantStand.addEventListener('change', () => {
    settings.cantStand = cantStand.checked;
    saveSettings(settings);
    player.remap(stepsFor(settings.cantStand));
  });

  const whenIdle = (fn) => (window.requestIdleCallback || ((f) => setTimeout(f, 200)))(fn, { timeout: 1000 });
  window.addEventListener('popstate', () => {
    if (location.pathname === '/' && player.running) {
      player.stop();
      forgetSession();
      show(home);
      whenIdle(prepareOffstage);
    }
  });

  if (section.dataset.autostart === 'true') {
    start(readSession());
  } else {
    forgetSession();
    window.addEventListener('load', () => whenIdle(prepareOffstage), { once: true });
  }
  return { start, finish };
}

initRelief();

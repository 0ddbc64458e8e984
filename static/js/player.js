// A guided step player: the one timer behind Cramp now and the bedtime routine.
//
// It shows one step at a time from a list of <li class="step"> elements (each with
// data-seconds, .step-title and .step-text), runs them with the timestamp-based
// SequenceTimer, and does everything a timer does for a person: countdown and
// ring, screen-reader announcements, vibration, optional tone and voice, and a
// screen wake lock. Pages add their own behaviour through the hooks.

import { SequenceTimer, formatClock } from './timer.js';
import { WakeLock, chime, loadSettings, primeAudio, saveSettings, speak, vibrate } from './cues.js';
import { message, plural, setText } from './text.js';
import { $ } from './dom.js';

const TICK_MS = 250;

/** Tell the rest of the page (the update offer) whether a timer is running. */
function announceTimer(running) {
  if (running) document.documentElement.dataset.timer = 'running';
  else delete document.documentElement.dataset.timer;
  document.dispatchEvent(new Event(running ? 'calmcalf:timer-started' : 'calmcalf:timer-stopped'));
}

/** Run fn once the next frame is on screen (or soon, where no frame comes: hidden pages run no rAF). */
export function afterNextFrame(fn) {
  let pending = true;
  const once = () => {
    if (!pending) return;
    pending = false;
    fn();
  };
  requestAnimationFrame(() => {
    const channel = new MessageChannel();
    channel.port1.onmessage = once;
    channel.port2.postMessage(null);
  });
  setTimeout(once, 250);
}

const noop = (..._) => {};
const durationsOf = (list) => list.map((li) => Number(li.dataset.seconds) * 1000);

export class StepPlayer {
  /**
   * root: the element holding the steps, the player controls and the data-msg-* texts.
   * hooks: onStep(li) when a step is shown, onRender(state, t) on every tick,
   * onChange() after a person's control, onFinish(state) when a non-looping sequence ends.
   */
  constructor(root, {
    loop = false, tellAfterFrame = false, onStep = noop, onRender = noop, onChange = noop, onFinish = noop,
  } = {}) {
    this.root = root;
    this.loop = loop;
    this.tellAfterFrame = tellAfterFrame; // announce and speak the first step only once it is on screen
    this.hooks = { onStep, onRender, onChange, onFinish };
    this.allSteps = /** @type {HTMLElement[]} */ ([...root.querySelectorAll('.step')]);
    this.steps = this.allSteps;
    this.settings = loadSettings();
    this.wake = new WakeLock();
    this.timer = null;
    this.shown = { index: -1, round: -1 };
    this.ticking = null;
    this.untold = null; // until the first frame is on screen: how to tell the step shown (see start)
    this.wireControls();
  }

  get running() {
    return this.timer !== null;
  }

  /** Which steps run, e.g. only the ones that can be done from bed. @param {HTMLElement[]} list */
  setSteps(list) {
    this.steps = list;
  }

  /** Show the first step as it will look when started. */
  preview() {
    const first = this.steps[0];
    this.allSteps.forEach((step) => step.classList.toggle('current', step === first));
    this.hooks.onStep(first);
    setText('step-count', message(this.root, 'step-count', { n: 1, total: this.steps.length }));
    setText('countdown', formatClock(Number(first.dataset.seconds) * 1000));
  }

  /** Start now, or carry on from a snapshot. afterFrame runs once the first frame is shown. */
  start(snapshot = null, afterFrame = () => {}) {
    if (snapshot) {
      this.timer = SequenceTimer.restore(snapshot);
      if (this.timer.durations.length !== this.steps.length) this.timer.setDurations(durationsOf(this.steps));
    } else {
      this.timer = new SequenceTimer(durationsOf(this.steps), { loop: this.loop });
      this.timer.start();
    }
    this.shown = { index: -1, round: -1 };
    this.setPausedLook(this.timer.paused);
    this.untold = this.tellAfterFrame ? () => {} : null;
    this.render();
    clearInterval(this.ticking);
    this.ticking = setInterval(() => this.render(), TICK_MS);
    announceTimer(true);
    // Paint first; the page's bookkeeping and the wake lock follow the first frame, and
    // so, with tellAfterFrame, does announcing (and speaking) the step: it costs a layout.
    afterNextFrame(() => {
      if (!this.timer) return;
      afterFrame();
      this.wake.acquire();
      const tell = this.untold;
      this.untold = null;
      tell?.();
    });
  }

  /** Stop the clock, release the screen and hush any voice. */
  stop() {
    clearInterval(this.ticking);
    this.ticking = null;
    this.untold = null;
    this.announce(''); // nothing stale for a screen reader to come across later
    const wasRunning = this.timer !== null;
    this.timer = null;
    if (wasRunning) announceTimer(false);
    this.wake.release();
    if ('speechSynthesis' in window) window.speechSynthesis.cancel();
  }

  snapshot() {
    return this.timer ? this.timer.snapshot() : null;
  }

  announce(text) {
    setText('announcer', text);
  }

  /** The step's words, for the announcer and the voice (a safety note first, where a step has one). */
  describe(li) {
    const words = (selector) => li.querySelector(selector)?.textContent.trim() ?? '';
    const text = [words('.step-safety'), words('.step-text')].filter(Boolean).join(' ');
    return `${words('.step-title')}. ${text}`;
  }

  showStep(state, isChange) {
    const li = this.steps[state.stepIndex];
    this.allSteps.forEach((step) => step.classList.toggle('current', step === li));
    this.hooks.onStep(li);
    setText('step-count', message(this.root, 'step-count', { n: state.stepIndex + 1, total: this.steps.length }));
    const again = isChange && state.round > this.shown.round && state.stepIndex === 0
      ? `${message(this.root, 'again')} ` : '';
    if (isChange) {
      vibrate([180]);
      if (this.settings.sound) chime();
    }
    const tell = () => {
      const seconds = plural(this.root, 'seconds', Math.round(state.stepMs / 1000));
      this.announce(`${again}${this.describe(li)} ${seconds}`);
      if (this.settings.voice) speak(`${again}${this.describe(li)}`);
    };
    if (this.untold) this.untold = tell; // the first frame is not on screen yet
    else tell();
    this.shown = { index: state.stepIndex, round: state.round };
  }

  /** Draw the timer for the moment t. */
  render(t = Date.now()) {
    if (!this.timer) return;
    const state = this.timer.state(t);
    if (state.finished) {
      const finish = this.hooks.onFinish;
      this.stop();
      finish(state);
      return;
    }
    if (state.stepIndex !== this.shown.index || state.round !== this.shown.round) {
      this.showStep(state, this.shown.index !== -1);
    }
    setText('countdown', formatClock(state.stepRemainingMs));
    const ring = $('ring');
    const offset = String(Math.round((1000 * state.stepElapsedMs) / state.stepMs) / 10);
    if (ring.getAttribute('stroke-dashoffset') !== offset) ring.setAttribute('stroke-dashoffset', offset);
    this.hooks.onRender(state, t);
  }

  /** The button holds both words; aria-pressed shows one, so its box stays the same. */
  setPausedLook(paused) {
    const button = $('pause');
    if (button.getAttribute('aria-pressed') !== String(paused)) button.setAttribute('aria-pressed', String(paused));
    this.root.classList.toggle('paused', paused);
  }

  /** Hold the step while the page is hidden; false if already paused. */
  hold(t = Date.now()) {
    if (!this.timer || this.timer.paused) return false;
    this.timer.pause(t);
    return true;
  }

  /** Carry on from the held step. */
  release(t = Date.now()) {
    if (!this.timer) return;
    this.timer.resume(t);
    this.setPausedLook(false);
    this.render(t);
  }

  /** Pause or resume, or move to the next or previous step (a tap: the tone may start here). */
  control(action) {
    if (!this.timer) return;
    if (this.settings.sound) primeAudio();
    const now = Date.now();
    if (action === 'pause') {
      if (this.timer.paused) {
        this.timer.resume(now);
        this.announce(message(this.root, 'resumed'));
      } else {
        this.timer.pause(now);
        this.announce(message(this.root, 'paused'));
      }
      this.setPausedLook(this.timer.paused);
    } else {
      this.timer[action](now);
    }
    this.render(now);
    this.hooks.onChange();
  }

  /** Change which steps run without losing the clock: stay on the same step, or the one in its place. */
  remap(list) {
    const previous = this.steps;
    this.steps = list;
    if (!this.timer) {
      this.preview();
      return;
    }
    const now = Date.now();
    const state = this.timer.state(now);
    const key = previous[state.stepIndex].dataset.step;
    const same = list.findIndex((li) => li.dataset.step === key);
    const index = same >= 0 ? same : Math.min(state.stepIndex, list.length - 1);
    this.timer.setDurations(durationsOf(list));
    this.timer.goTo(index, state.round, now);
    this.shown = { index: -1, round: -1 };
    this.render(now);
    this.hooks.onChange();
  }

  wireControls() {
    for (const action of ['pause', 'next', 'back']) {
      $(action).addEventListener('click', () => this.control(action));
    }
    for (const name of ['sound', 'voice']) {
      const toggle = $(name, HTMLInputElement);
      toggle.checked = this.settings[name];
      toggle.addEventListener('change', () => {
        this.settings[name] = toggle.checked;
        saveSettings(this.settings);
        if (name === 'sound' && toggle.checked) chime();
        if (name === 'voice' && toggle.checked && this.timer) {
          speak(this.describe(this.steps[this.timer.state().stepIndex]));
        }
      });
    }
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.render();
    });
  }
}

// Cramp now: one tap starts the guided relief steps; "It's gone" saves the episode.
//
// A tap always starts a fresh session. A session left without "It's gone" is
// closed (kept in the diary, its length unknown); if it was on screen only
// minutes ago (or hidden by a call for longer), the timer offers to continue it.
// The pieces: reliefsession.js (the stored session), reliefscreens.js (home,
// timer, after), reliefdone.js (saving and rating the cramp; loaded while a cramp runs), nobuzz.js.

import { $ } from './dom.js';
import { StepPlayer } from './player.js';
import { formatClock } from './timer.js';
import { canVibrate, chime, primeAudio, saveSettings, vibrate } from './cues.js';
import { plural, setText } from './text.js';
import { deleteEpisode } from './store.js';
import {
  CONTINUOUS_GAP_MS, closeIfStale, closeUnended, forgetSession, isRecent, minutesAgo, readSession, saveSession,
} from './reliefsession.js';
import { ReliefScreens } from './reliefscreens.js';

const SEEN_EVERY_MS = 5000; // how often "still on screen" is noted while the timer shows
const OFFER_FOR_MS = 2 * 60 * 1000; // how long "Continue the cramp…?" stays on offer

const whenIdle = (fn) => (window.requestIdleCallback || ((f) => setTimeout(f, 200)))(fn, { timeout: 1000 });

/**
 * Whether this load brings back a timer the person already had open: a reload,
 * Back or Forward, or a tab the phone discarded. Those keep the history entry's
 * state; a new visit (the shortcut, a link) starts with none.
 */
function isReturn() {
  if (history.state?.screen === 'timer') return true;
  const [nav] = /** @type {PerformanceNavigationTiming[]} */ (performance.getEntriesByType?.('navigation') ?? []);
  return document.wasDiscarded === true || Boolean(nav && (nav.type === 'reload' || nav.type === 'back_forward'));
}

class Relief {
  constructor(section) {
    this.section = section;
    this.redFlagMs = Number(section.dataset.redFlagMinutes) * 60 * 1000;
    this.player = new StepPlayer(section, {
      loop: true,
      tellAfterFrame: true, // the announcement would cost the first frame a layout
      onRender: (state, t) => this.tick(state, t),
      onChange: () => this.remember(),
    });
    this.settings = this.player.settings;
    this.screens = new ReliefScreens($('home'), section, $('done'));
    this.after = null; // the "It's gone" screen, loaded while a cramp runs (loadAfter): home's first load skips it
    this.afterLoading = null;
    this.adviceLoading = null; // advice.js: the 10-minute advice's country and view
    this.noBuzz = null; // loaded where the phone cannot vibrate
    this.leg = null;
    this.alerting = false;
    this.seenNotedAt = 0;
    this.hiddenAt = null; // while the page is hidden (screen locked, another app)
    this.held = false; // the step was held when the page was hidden
    this.offer = null; // {session, until, closing} while "Continue the cramp…?" is offered
    // "Calf cramp relief · Calm Calf" at home, "Cramp now · Calm Calf" in the timer.
    const suffix = document.title.slice(document.title.indexOf(' · '));
    this.titles = { home: $('home').dataset.title + suffix, timer: section.dataset.title + suffix };
  }

  /** The steps for someone who can, or cannot, stand up. */
  stepsFor(cantStand) {
    const skip = cantStand ? 'standing' : 'in-bed';
    return this.player.allSteps.filter((li) => li.dataset.where !== skip);
  }

  // --- sessions ---

  /** Start afresh; a session left open before is closed, and offered back if recent (or offerAnyway). */
  startFresh(afterFrame = () => {}, { offerAnyway = false } = {}) {
    const old = readSession();
    const now = Date.now();
    forgetSession();
    const offered = old && (offerAnyway || isRecent(old, now));
    const offer = offered ? { session: old, until: now + OFFER_FOR_MS, closing: null } : null;
    this.held = false;
    this.setOffer(offer);
    this.run(null, this.settings.leg, () => {
      afterFrame();
      if (!offer && !canVibrate()) this.tellNoBuzz();
      // Saving the old one waits for the first frame; skipped if it was continued meanwhile.
      if (old && (!offer || this.offer === offer)) {
        const closing = closeUnended(old);
        if (offer) offer.closing = closing;
      }
    });
  }

  /** Tell a phone that cannot vibrate, once, and offer the tone. */
  async tellNoBuzz() {
    const { NoBuzzNote } = await import('./nobuzz.js');
    this.noBuzz = this.noBuzz || new NoBuzzNote(this.settings);
    this.noBuzz.maybeShow();
  }

  /** Carry on with a stored session, from the step it was held at if it was. */
  carryOn(session, afterFrame = () => {}) {
    this.run(session.timer, session.leg, afterFrame);
    if (session.held) this.player.release();
  }

  /** Run the timer from a snapshot, or from now; afterFrame runs first once it is on screen. */
  run(snapshot, leg, afterFrame = () => {}) {
    this.player.setSteps(this.stepsFor(this.settings.cantStand));
    this.setLeg(leg);
    this.setAlert(false);
    this.seenNotedAt = Date.now(); // the first tick does not store it: remember(), below, does after the frame
    this.screens.show('timer');
    this.player.start(snapshot, () => {
      afterFrame();
      this.screens.settle();
      // Keyboard and screen-reader users continue inside the timer, not on the hidden button.
      if (!this.section.contains(document.activeElement)) $('relief-title').focus({ preventScroll: true });
      this.remember();
      whenIdle(() => this.advice().then((a) => a.showNumber($('red-flag')))); // the 10-minute advice's country, ahead of time
      whenIdle(() => this.loadAfter());
    });
  }

  /** The "It's gone" screen and its leg check, from the offline cache like every file. */
  loadAfter() {
    this.afterLoading = this.afterLoading || Promise.all([import('./reliefdone.js'), import('./legcheck.js')])
      .then(([{ AfterCramp }, { LegCheck }]) => {
        this.after = new AfterCramp($('done'));
        return { after: this.after, legCheck: new LegCheck($('leg-check')) };
      });
    return this.afterLoading;
  }

  /** Note the running session, with the moment it was last on screen. */
  remember(t = Date.now()) {
    if (!this.player.running) return;
    saveSession(this.player.snapshot(), this.leg, t, this.held);
    this.seenNotedAt = t;
  }

  /** "Continue the cramp from 3 minutes ago?" Yes: the earlier session carries on, and its diary entry is taken back. */
  async continueOffered() {
    const { offer } = this;
    if (!offer) return;
    this.setOffer(null);
    this.carryOn(offer.session);
    const saved = await offer.closing;
    if (saved) await deleteEpisode(saved.id).catch(() => {});
  }

  setOffer(offer) {
    this.offer = offer;
    const button = $('continue');
    if (offer) button.textContent = plural(this.section, 'continue', minutesAgo(offer.session));
    if (button.hidden !== !offer) button.hidden = !offer; // an attribute set again still restyles
  }

  /** Every tick: cramp time, the 10-minute advice, the offer's end, and "still on screen". */
  tick(state, t) {
    setText('elapsed', formatClock(state.totalMs, false));
    if (this.hiddenAt !== null) return; // back from hiding: onVisible decides first
    if (state.totalMs >= this.redFlagMs && !this.alerting) this.raiseAlert();
    if (this.offer && t > this.offer.until) this.setOffer(null);
    if (t - this.seenNotedAt >= SEEN_EVERY_MS && document.visibilityState === 'visible') this.remember(t);
  }

  setAlert(on) {
    this.alerting = on;
    const advice = $('red-flag');
    if (advice.hidden !== !on) advice.hidden = !on;
    this.section.classList.toggle('alerting', on);
  }

  /** At 10 minutes: the advice (with its country's number, or 300 ms later without), a buzz, a tone if on. */
  raiseAlert() {
    const box = $('red-flag');
    this.alerting = true;
    const show = () => this.alerting && box.hidden && this.setAlert(true);
    setTimeout(show, 300);
    this.advice().then(({ showNumber, reveal }) => {
      showNumber(box);
      show();
      reveal(box);
    }, show);
    if (this.settings.sound) chime();
    vibrate([300, 150, 300]);
  }

  /** The 10-minute advice's script, from the offline cache like every file. */
  advice() {
    this.adviceLoading = this.adviceLoading || import('./advice.js');
    return this.adviceLoading;
  }

  /** Back from a call: the held step carries on; after 5 minutes, a fresh timer offers the old one. */
  onVisible() {
    const away = this.hiddenAt === null ? 0 : Date.now() - this.hiddenAt;
    const { held } = this;
    this.hiddenAt = null;
    this.held = false;
    if (!this.player.running) return;
    if (away > CONTINUOUS_GAP_MS) this.startFresh(() => {}, { offerAnyway: true });
    else if (held) this.player.release();
  }

  /** Hidden (a call): hold the step, so the person comes back to it. */
  onHidden() {
    this.hiddenAt = Date.now();
    if (this.player.running) this.held = this.player.hold(this.hiddenAt) || this.held;
    this.remember(this.hiddenAt);
  }

  // --- screens ---

  setLeg(value) {
    this.leg = value === 'left' || value === 'right' ? value : null;
    this.section.classList.toggle('leg-left', this.leg === 'left');
    this.section.querySelectorAll('input[name="leg"]').forEach((input) => {
      input.checked = input.value === this.leg;
    });
  }

  /** Lay the timer out unseen while nobody is waiting, so a tap only reveals it. */
  prepareOffstage() {
    if (this.player.running) return;
    this.screens.offstage(() => {
      this.player.setSteps(this.stepsFor(this.settings.cantStand));
      this.setLeg(this.settings.leg);
      this.player.preview();
    });
  }

  /** "It's gone": save the episode, then ask how bad it was. */
  finish() {
    const end = Date.now();
    const start = this.player.timer.startedAt;
    this.player.stop();
    forgetSession();
    this.setOffer(null);
    this.noBuzz?.hide();
    this.setAlert(false);
    const leg = this.leg;
    // Shown once its script is there: no tap is lost.
    const show = () => {
      this.screens.show('done');
      $('done-title').focus();
    };
    this.loadAfter().then(({ after, legCheck }) => {
      after.open(start, end, leg);
      legCheck.reset();
      show();
    }, show);
    history.replaceState({ screen: 'done' }, '', location.pathname);
  }

  /** Home again (Back): the session stays stored, so a tap soon after can offer to continue it. */
  showHome() {
    if (this.player.running) {
      this.remember();
      this.player.stop();
    }
    this.setOffer(null);
    this.noBuzz?.hide();
    this.screens.clearOffstage();
    this.screens.show('home');
    document.title = this.titles.home;
    whenIdle(() => this.prepareOffstage());
  }

  /** Back and Forward: the screen follows the address. */
  onHistory(state) {
    const screen = state?.screen ?? (location.pathname === '/relief' ? 'timer' : 'home');
    if (screen === 'home') this.showHome();
    else if (screen === 'done' && this.after?.opened) this.screens.show('done');
    else if (!this.player.running) this.startFresh();
  }

  // --- start-up ---

  /** Cramp now on home: start in place on the same frame as the tap (the form works without script). */
  onCrampNow(event) {
    event.preventDefault();
    if (this.settings.sound) primeAudio(); // in the tap, or an iPhone stays silent
    const tappedAt = event.timeStamp;
    this.startFresh(() => {
      // After the first timer frame: measure it for the benchmark, then record the visit.
      performance.measure('cramp-now:tap-to-frame', { start: tappedAt, end: performance.now() });
      history.pushState({ screen: 'timer' }, '', '/relief');
      this.showTimerTitle();
    });
  }

  showTimerTitle() {
    document.title = this.titles.timer;
  }

  /** /relief (the home-screen shortcut): a fresh timer, or the same one after a reload. */
  autostart() {
    const saved = readSession();
    if (isReturn() && history.state?.screen === 'done') {
      // "After It's gone" cannot be rebuilt after a reload: home instead.
      history.replaceState({ screen: 'home' }, '', '/');
      this.showHome();
      return;
    }
    const putHomeBehind = () => {
      if (history.state?.screen === 'timer') return;
      // Arrived straight at the timer: put home behind it, so Back shows home.
      history.replaceState({ screen: 'home' }, '', '/');
      history.pushState({ screen: 'timer' }, '', '/relief');
    };
    if (saved && isReturn() && isRecent(saved)) this.carryOn(saved, putHomeBehind);
    else this.startFresh(putHomeBehind, { offerAnyway: Boolean(saved?.held && isReturn()) });
  }

  /** Run only the steps that can be done from bed (or all of them again), keeping the clock. */
  setCantStand(on) {
    this.settings.cantStand = on;
    saveSettings(this.settings);
    this.player.remap(this.stepsFor(on));
  }

  wire() {
    $('cramp-now').addEventListener('click', (event) => this.onCrampNow(event));
    // A timer opened by the shortcut had no tap: any tap in it may start the tone.
    this.section.addEventListener('click', () => { if (this.settings.sound) primeAudio(); }, true);
    $('gone').addEventListener('click', () => this.finish());
    $('continue').addEventListener('click', () => this.continueOffered());
    this.section.querySelectorAll('input[name="leg"]').forEach((input) => {
      input.addEventListener('change', () => {
        this.setLeg(input.value);
        this.settings.leg = this.leg;
        saveSettings(this.settings);
        this.remember();
      });
    });
    const cantStand = $('cant-stand', HTMLInputElement);
    cantStand.checked = this.settings.cantStand;
    cantStand.addEventListener('change', () => this.setCantStand(cantStand.checked));
    // "Feel unsteady? Do it in bed" on a standing step: the in-bed version, now and next time.
    this.section.querySelectorAll('.unsteady').forEach((button) => {
      button.addEventListener('click', () => {
        cantStand.checked = true;
        this.setCantStand(true);
        $('relief-title').focus({ preventScroll: true }); // the button has gone with its step
      });
    });
    window.addEventListener('popstate', (event) => this.onHistory(event.state));
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.onVisible();
      else this.onHidden();
    });
    window.addEventListener('pagehide', () => this.remember());
  }
}

export function initRelief() {
  const section = $('relief');
  if (!section) return null;
  // A reload or Back opens the timer at its top, not where the page was last scrolled to.
  history.scrollRestoration = 'manual';
  const relief = new Relief(section);
  relief.wire();
  if (section.dataset.autostart === 'true') {
    relief.autostart();
  } else {
    closeIfStale();
    window.addEventListener('load', () => whenIdle(() => relief.prepareOffstage()), { once: true });
  }
  return relief;
}

initRelief();

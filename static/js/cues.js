// Everything a timer does besides counting: keeping the screen on, vibrating,
// an optional soft tone and spoken cue, and remembering those choices.

const SETTINGS_KEY = 'calmcalf.settings';
// toldNoBuzz: this phone was told once that it cannot vibrate (nobuzz.js).
const DEFAULTS = { sound: false, voice: false, cantStand: false, leg: null, toldNoBuzz: false };

/** The person's choices, kept on the device. */
export function loadSettings() {
  try {
    return { ...DEFAULTS, ...JSON.parse(localStorage.getItem(SETTINGS_KEY) || '{}') };
  } catch {
    return { ...DEFAULTS };
  }
}

export function saveSettings(settings) {
  try {
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(settings));
  } catch {
    // Private mode or a full disk: the choice still holds for this session.
  }
}

/** Keeps the screen awake while wanted, and takes it back after the page was hidden. */
export class WakeLock {
  constructor() {
    this.wanted = false;
    this.sentinel = null;
    document.addEventListener('visibilitychange', () => {
      if (this.wanted && document.visibilityState === 'visible') this.acquire();
    });
  }

  async acquire() {
    this.wanted = true;
    if (!('wakeLock' in navigator) || (this.sentinel && !this.sentinel.released)) return;
    try {
      this.sentinel = await navigator.wakeLock.request('screen');
    } catch {
      // Battery saver or a hidden page: the timer still works, the screen may dim.
      this.sentinel = null;
    }
  }

  async release() {
    this.wanted = false;
    const sentinel = this.sentinel;
    this.sentinel = null;
    if (sentinel && !sentinel.released) await sentinel.release().catch(() => {});
  }
}

/** Whether this browser can vibrate at all (iOS cannot). */
export const canVibrate = () => typeof navigator.vibrate === 'function';

/** A short buzz where the device can. */
export function vibrate(pattern = [180]) {
  if (typeof navigator.vibrate === 'function') {
    try {
      navigator.vibrate(pattern);
    } catch {
      // Some browsers refuse without a recent tap; silence is fine.
    }
  }
}

let audio = null;

/** The page's audio context (null without Web Audio). */
function audioContext() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (Context && !audio) audio = new Context();
  return audio;
}

/** Make or wake the audio context in a tap: WebKit (iPhone) keeps one made later suspended. */
export function primeAudio() {
  const context = audioContext();
  if (context && context.state !== 'running') context.resume().catch(() => {});
}

/** A quiet, low tone: soft enough not to wake a partner. */
export function chime() {
  const context = audioContext();
  if (!context) return;
  if (context.state === 'suspended') context.resume().catch(() => {});
  const now = context.currentTime;
  const tone = context.createOscillator();
  const gain = context.createGain();
  tone.frequency.value = 392;
  gain.gain.setValueAtTime(0.0001, now);
  gain.gain.exponentialRampToValueAtTime(0.12, now + 0.03);
  gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.6);
  tone.connect(gain).connect(context.destination);
  tone.start(now);
  tone.stop(now + 0.65);
}

/** Read a step aloud, quietly and slowly, replacing anything still being said. */
export function speak(text, lang = document.documentElement.lang) {
  if (!('speechSynthesis' in window)) return;
  window.speechSynthesis.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.lang = lang;
  utterance.rate = 0.9;
  utterance.volume = 0.7;
  window.speechSynthesis.speak(utterance);
}

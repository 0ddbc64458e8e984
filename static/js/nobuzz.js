// Where the phone cannot vibrate (no iPhone can), the steps would change in silence while
// the tone is off: say so once, over the header, and offer the soft tone (remembered).

import { $ } from './dom.js';
import { canVibrate, chime, primeAudio, saveSettings } from './cues.js';

const SHOWN_FOR_MS = 60 * 1000;

export class NoBuzzNote {
  /** settings: the player's (shared) settings object. */
  constructor(settings) {
    this.settings = settings;
    this.box = $('no-buzz');
    this.hideLater = null;
    $('no-buzz-sound').addEventListener('click', () => this.turnSoundOn());
  }

  /** At a timer's start: tell this phone once, if it cannot buzz and the tone is off. */
  maybeShow() {
    if (canVibrate() || this.settings.sound || this.settings.toldNoBuzz) return;
    this.settings.toldNoBuzz = true;
    saveSettings(this.settings);
    this.box.hidden = false;
    this.hideLater = setTimeout(() => this.hide(), SHOWN_FOR_MS);
  }

  hide() {
    clearTimeout(this.hideLater);
    if (!this.box.hidden) this.box.hidden = true;
  }

  /** The tap starts the audio (WebKit needs one) and plays the tone once, so it is heard. */
  turnSoundOn() {
    this.settings.sound = true;
    saveSettings(this.settings);
    $('sound', HTMLInputElement).checked = true;
    primeAudio();
    chime();
    this.hide();
  }
}

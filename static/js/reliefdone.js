// After "It's gone": how long it lasted, saved on the device, and "How bad was it?".

import { $ } from './dom.js';
import { duration, message } from './text.js';
import { addEpisode, updateEpisode } from './store.js';

export class AfterCramp {
  constructor(root) {
    this.root = root;
    this.saving = Promise.resolve(null);
    this.opened = false; // whether there is a cramp to show (Forward back onto this screen)
    this.buttons = [...root.querySelectorAll('[data-severity]')];
    this.buttons.forEach((button) => button.addEventListener('click', () => this.rate(button)));
  }

  /** Show the screen for a cramp from `start` to `end` (ms) and save it. */
  open(start, end, leg) {
    this.opened = true;
    const seconds = Math.max(0, Math.round((end - start) / 1000));
    $('done-duration').textContent = message(this.root, 'lasted', { duration: duration(this.root, seconds) });
    this.buttons.forEach((b) => b.setAttribute('aria-pressed', 'false'));
    $('severity-saved').textContent = '';
    this.saving = addEpisode({
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      durationSeconds: seconds,
      leg,
      source: 'cramp-now',
    }).catch(() => {
      $('done-stored').textContent = message(this.root, 'not-saved');
      return null;
    });
  }

  /** One tap on 0..10 stores how bad it was. */
  async rate(button) {
    const severity = Number(button.dataset.severity);
    const episode = await this.saving;
    if (!episode) return;
    await updateEpisode(episode.id, { severity });
    this.buttons.forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
    $('severity-saved').textContent = message(this.root, 'saved', { n: severity });
  }
}

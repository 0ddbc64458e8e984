// After "It's gone": how long it lasted, saved on the device, "How bad was it?"
// and, optionally, what might have set it off.

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
    this.triggers = null; // the chips' script loads when the screen first opens: Cramp now does not wait for it
    this.tagging = Promise.resolve();
  }

  /** Show the screen for a cramp from `start` to `end` (ms) and save it. */
  open(start, end, leg) {
    this.opened = true;
    const seconds = Math.max(0, Math.round((end - start) / 1000));
    $('done-duration').textContent = message(this.root, 'lasted', { duration: duration(this.root, seconds) });
    this.buttons.forEach((b) => b.setAttribute('aria-pressed', 'false'));
    $('severity-saved').textContent = '';
    this.chips().then((chips) => chips.set([]));
    $('triggers-saved').textContent = '';
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

  /** The trigger chips, once their module has loaded (from the offline cache, like every file). */
  chips() {
    this.triggers = this.triggers || import('./triggers.js').then(({ TriggerChips }) => {
      const chips = new TriggerChips($('done-triggers'), (keys) => this.tag(keys));
      $('done-triggers').dataset.ready = 'true';
      return chips;
    });
    return this.triggers;
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

  /** Each tap on a trigger chip stores the chosen triggers with the cramp, in order. */
  tag(keys) {
    this.tagging = this.tagging.then(async () => {
      const episode = await this.saving;
      if (!episode) return;
      await updateEpisode(episode.id, { triggers: keys });
      $('triggers-saved').textContent = message($('done-triggers-block'), 'triggers-saved');
    });
    return this.tagging;
  }
}

// One-tap trigger chips: toggle buttons (aria-pressed) for the possible triggers
// of partials/triggers.html, with an optional "None of these".

import { message } from './text.js';

export class TriggerChips {
  /**
   * onChange(value) after every tap; value is the list of keys, or null when nothing is chosen.
   * @param {Element} fieldset
   * @param {(value: string[] | null) => void} [onChange]
   */
  constructor(fieldset, onChange = () => {}) {
    this.chips = [.../** @type {NodeListOf<HTMLButtonElement>} */ (fieldset.querySelectorAll('[data-trigger]'))];
    this.none = /** @type {HTMLButtonElement | null} */ (fieldset.querySelector('[data-trigger-none]'));
    this.onChange = onChange;
    this.chips.forEach((chip) => chip.addEventListener('click', () => this.toggle(chip)));
    this.none?.addEventListener('click', () => this.toggle(this.none));
  }

  toggle(chip) {
    const pressed = chip.getAttribute('aria-pressed') !== 'true';
    chip.setAttribute('aria-pressed', String(pressed));
    // "None of these" and a trigger exclude each other.
    if (pressed && chip === this.none) this.chips.forEach((c) => c.setAttribute('aria-pressed', 'false'));
    if (pressed && chip !== this.none) this.none?.setAttribute('aria-pressed', 'false');
    this.onChange(this.value);
  }

  /** The chosen keys; [] for "None of these"; null when nothing is pressed. */
  get value() {
    const keys = this.chips.filter((c) => c.getAttribute('aria-pressed') === 'true').map((c) => c.dataset.trigger);
    if (keys.length) return keys;
    return this.none?.getAttribute('aria-pressed') === 'true' ? [] : (this.none ? null : []);
  }

  /** Show a stored list (null: nothing chosen yet). */
  set(keys) {
    const chosen = new Set(keys ?? []);
    this.chips.forEach((c) => c.setAttribute('aria-pressed', String(chosen.has(c.dataset.trigger))));
    this.none?.setAttribute('aria-pressed', String(Array.isArray(keys) && keys.length === 0));
  }
}

/** The words for a list of trigger keys, from the page's data-msg-trigger-* messages. */
export function triggerWords(holder, keys) {
  return (keys ?? []).map((key) => message(holder, `trigger-${key}`) || key);
}

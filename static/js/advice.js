// The 10-minute advice, loaded while a cramp runs: the person's country's urgent route and
// number (as on "When to see a doctor"), and on a large-text screen its first words in view.

import { chosenCountry, entriesOf, showCountry } from './country.js';

/** @param {HTMLElement} box the advice */
export function showNumber(box) {
  const calls = /** @type {HTMLElement} */ (box.querySelector('.emergency-calls'));
  const blocks = /** @type {NodeListOf<HTMLElement>} */ (calls.querySelectorAll('[data-country]'));
  showCountry(chosenCountry(entriesOf(blocks), calls.dataset.default), box);
}

/**
 * Where the advice's first words would be under the controls, the header scrolls away (one
 * swipe up brings it back), so they show with the step's name, the countdown and the controls.
 * @param {HTMLElement} box the advice, shown
 */
export function reveal(box) {
  const words = /** @type {HTMLElement} */ (box.querySelector('p'));
  const screen = /** @type {HTMLElement} */ (box.parentElement);
  const foot = /** @type {HTMLElement} */ (screen.querySelector('.timer-actions')).getBoundingClientRect().top;
  const under = words.getBoundingClientRect().top + (parseFloat(getComputedStyle(words).lineHeight) || 20) - foot;
  if (under > 0) window.scrollBy(0, Math.min(under, screen.getBoundingClientRect().top));
}

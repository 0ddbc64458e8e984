// "When to see a doctor": the numbers, urgent route and pregnancy contact of the person's country,
// chosen once and remembered on the device (country.js). Every country's words are in the page, so this works offline.

import { chosenCountry, rememberCountry, showCountry } from './country.js';

export function initDoctor() {
  const select = /** @type {HTMLSelectElement | null} */ (document.getElementById('country'));
  if (!select) return;
  /** @type {[string, string][]} */
  const entries = [...select.options].map((option) => [option.value, option.dataset.regions]);
  select.value = chosenCountry(entries, select.dataset.default);
  showCountry(select.value);
  select.addEventListener('change', () => {
    showCountry(select.value);
    rememberCountry(select.value);
  });
  document.getElementById('numbers').dataset.ready = 'true';
}

initDoctor();

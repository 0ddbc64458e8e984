// Which country's numbers and words to show: chosen once on "When to see a doctor" and kept
// on the device, else the country of the phone's time zone (a Russian-language phone in Madrid
// is in Spain), else a region the browser's languages name (en-US, es-MX), else the country the
// page's language suggests (none for English). Every country's words are in the page, so this
// works offline.

import { ZONES } from './zones.js';

const KEY = 'calmcalf.country';

/** The region (ES, US, DE…) of the phone's time zone, or null. */
export function zoneRegion(zone = Intl.DateTimeFormat().resolvedOptions().timeZone) {
  for (const [region, zones] of Object.entries(ZONES)) {
    if (zones.split(' ').includes(zone)) return region;
  }
  return null;
}

/**
 * The country to show.
 * @param {Iterable<[string, string]>} entries each country's code and its other regions ("AT BE …")
 * @param {string} fallback the country the page's language suggests
 * @returns {string}
 */
export function chosenCountry(entries, fallback) {
  /** @type {Map<string, string>} */
  const known = new Map();
  for (const [code, regions] of entries) {
    known.set(code, code);
    for (const region of regions.split(' ').filter(Boolean)) known.set(region, code);
  }
  let stored = null;
  try {
    stored = localStorage.getItem(KEY);
  } catch {
    // Storage blocked: fall through to the guess.
  }
  if (stored && known.has(stored)) return stored;
  const zone = zoneRegion();
  if (zone && known.has(zone)) return known.get(zone);
  for (const tag of navigator.languages || []) {
    try {
      const { region } = new Intl.Locale(tag);
      if (region && known.has(region)) return known.get(region);
    } catch {
      // A malformed language tag says nothing about the country.
    }
  }
  return fallback;
}

/** @param {string} code */
export function rememberCountry(code) {
  try {
    localStorage.setItem(KEY, code);
  } catch {
    // The choice still holds until the page closes.
  }
}

/**
 * Show only the chosen country's blocks (every element with data-country under root).
 * @param {string} code
 * @param {ParentNode} [root]
 */
export function showCountry(code, root = document) {
  /** @type {NodeListOf<HTMLElement>} */ (root.querySelectorAll('[data-country]')).forEach((block) => {
    block.hidden = block.dataset.country !== code;
  });
}

/**
 * The entries chosenCountry needs, from elements that carry data-country and data-regions.
 * @param {Iterable<HTMLElement>} elements
 * @returns {[string, string][]}
 */
export function entriesOf(elements) {
  return [...elements].map((el) => [el.dataset.country, el.dataset.regions || '']);
}

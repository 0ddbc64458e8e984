// "When to see a doctor": the numbers of the person's country, chosen once and
// remembered on the device. Every country's numbers are in the page, so this works offline.

const KEY = 'calmcalf.country';

/** The stored choice, else a region the browser names (en-US, es-MX), else the language's country. */
function guessCountry(select) {
  const known = new Map();
  for (const option of select.options) {
    known.set(option.value, option.value);
    for (const region of option.dataset.regions.split(' ').filter(Boolean)) known.set(region, option.value);
  }
  let stored = null;
  try {
    stored = localStorage.getItem(KEY);
  } catch {
    // Storage blocked: fall through to the guess.
  }
  if (stored && known.has(stored)) return stored;
  for (const tag of navigator.languages || []) {
    try {
      const { region } = new Intl.Locale(tag);
      if (region && known.has(region)) return known.get(region);
    } catch {
      // A malformed language tag says nothing about the country.
    }
  }
  return select.dataset.default;
}

function showCountry(code) {
  /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('.country-numbers')).forEach((block) => {
    block.hidden = block.dataset.country !== code;
  });
}

export function initDoctor() {
  const select = /** @type {HTMLSelectElement | null} */ (document.getElementById('country'));
  if (!select) return;
  select.value = guessCountry(select);
  showCountry(select.value);
  select.addEventListener('change', () => {
    showCountry(select.value);
    try {
      localStorage.setItem(KEY, select.value);
    } catch {
      // The choice still holds until the page closes.
    }
  });
  document.getElementById('numbers').dataset.ready = 'true';
}

initDoctor();

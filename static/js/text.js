// Translated messages for every page's script: the words come from data-msg-*
// attributes the server translated; scripts only fill in the numbers.

import { $ } from './dom.js';

const datasetKey = (name) => `msg${name.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())}`;

/** Fill "{name}" holes in a translated message kept in a data-msg-* attribute. */
export function message(holder, name, values = {}) {
  return (holder.dataset[datasetKey(name)] || '').replace(/\{(\w+)\}/g, (_, k) => values[k] ?? '');
}

// Each language's plural rules, made once (a millisecond each time on a slow phone).
const rulesByLang = new Map();
const pluralRules = (lang) => rulesByLang.get(lang) ?? rulesByLang.set(lang, new Intl.PluralRules(lang)).get(lang);

/**
 * A message about a count, in the plural form this language uses for n: the
 * server hands one data-msg-NAME-<category> per CLDR plural category
 * (partials/messages.html), and Intl.PluralRules picks the category.
 */
export function plural(holder, name, n, values = {}) {
  const category = pluralRules(document.documentElement.lang || 'en').select(n);
  // A category the whole numbers never reach (Russian 'other' is for fractions) borrows
  // the form that such languages use for them: 'few' (0,5 судороги), then any other.
  const key = [category, 'other', 'few', 'many', 'one'].map((c) => `${name}-${c}`).find((k) => holder.dataset[datasetKey(k)]);
  return key ? message(holder, key, { n, ...values }) : '';
}

/** How long a cramp lasted, in the same words and rounding everywhere: "45 s", "4 min", "1 min 30 s". */
export function duration(holder, seconds) {
  const total = Math.max(0, Math.round(seconds));
  const m = Math.floor(total / 60);
  const s = total % 60;
  if (m === 0) return message(holder, 'duration-s', { s });
  return s === 0 ? message(holder, 'duration-m', { m }) : message(holder, 'duration-m-s', { m, s });
}

/** Set an element's text only if it differs: unchanged text costs no layout or paint. */
export function setText(id, text) {
  const el = $(id);
  if (el && el.textContent !== text) el.textContent = text;
}

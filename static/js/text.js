// Translated messages and cheap text updates, for every page's script.

const $ = (id) => document.getElementById(id);

/** Fill "{name}" holes in a translated message kept in a data-msg-* attribute. */
export function message(holder, name, values = {}) {
  const key = `msg${name.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())}`;
  return (holder.dataset[key] || '').replace(/\{(\w+)\}/g, (_, k) => values[k] ?? '');
}

/** Set an element's text only if it differs: unchanged text costs no layout or paint. */
export function setText(id, text) {
  const el = $(id);
  if (el && el.textContent !== text) el.textContent = text;
}

/**
 * A counted message: the page holds one translated form per plural category of its
 * language (data-msg-NAME-one, -few, -many, -other); Intl.PluralRules picks the form
 * for n, and {n} is n written the language's way.
 */
export function plural(holder, name, n, values = {}) {
  const lang = document.documentElement.lang;
  const category = new Intl.PluralRules(lang).select(n);
  const filled = { n: n.toLocaleString(lang), ...values };
  for (const form of [category, 'other', 'many']) {
    const text = message(holder, `${name}-${form}`, filled);
    if (text) return text;
  }
  return '';
}

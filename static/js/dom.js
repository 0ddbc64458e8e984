// Small DOM helpers shared by every page's script.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * The element with this id (or null); `$(id, HTMLInputElement)` is typed so (null if not one).
 * @template {Element} [T=HTMLElement] @param {string} id @param {{ new (): T }} [kind] @returns {T | null}
 */
export function $(id, kind) {
  const el = document.getElementById(id);
  return !kind || el instanceof kind ? /** @type {any} */ (el) : null;
}

function build(el, attrs, text) {
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== null) el.textContent = text;
  return el;
}

/** A new HTML element with attributes and, optionally, its text. */
export function element(name, attrs = {}, text = null) {
  return build(document.createElement(name), attrs, text);
}

/** A new SVG element with attributes and, optionally, its text. */
export function svgElement(name, attrs = {}, text = null) {
  return build(document.createElementNS(SVG_NS, name), attrs, text);
}

// Small DOM helpers shared by every page's script.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * The element with this id (or null). Given its kind, the element is typed as one,
 * so the type checker knows `$('seated', HTMLInputElement).checked`; an element of
 * another kind then counts as missing.
 * @template {Element} [T=HTMLElement]
 * @param {string} id
 * @param {{ new (): T, prototype: T }} [kind] e.g. HTMLInputElement
 * @returns {T | null}
 */
export function $(id, kind) {
  const el = document.getElementById(id);
  if (!kind) return /** @type {T | null} */ (/** @type {unknown} */ (el)); // T is HTMLElement here
  return el instanceof kind ? el : null;
}

/**
 * Every element under root that matches the selector and is of this kind, in page order.
 * @template {Element} T
 * @param {ParentNode} root
 * @param {string} selector
 * @param {{ new (): T, prototype: T }} kind e.g. HTMLInputElement
 * @returns {T[]}
 */
export function all(root, selector, kind) {
  /** @type {T[]} */
  const found = [];
  for (const el of root.querySelectorAll(selector)) if (el instanceof kind) found.push(el);
  return found;
}

/**
 * @template {Element} E
 * @param {E} el
 * @param {Record<string, unknown>} attrs
 * @param {string | null} text
 * @returns {E}
 */
function build(el, attrs, text) {
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== null) el.textContent = text;
  return el;
}

/**
 * A new HTML element with attributes and, optionally, its text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} name
 * @param {Record<string, unknown>} [attrs]
 * @param {string | null} [text]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function element(name, attrs = {}, text = null) {
  return build(document.createElement(name), attrs, text);
}

/**
 * A new SVG element with attributes and, optionally, its text.
 * @template {keyof SVGElementTagNameMap} K
 * @param {K} name
 * @param {Record<string, unknown>} [attrs]
 * @param {string | null} [text]
 * @returns {SVGElementTagNameMap[K]}
 */
export function svgElement(name, attrs = {}, text = null) {
  return build(document.createElementNS(SVG_NS, name), attrs, text);
}

// Small DOM helpers shared by every page's script.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The element with this id (or null). */
export const $ = (id) => document.getElementById(id);

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

// Globals that the page scripts and the service worker both have.

/** static/js/base64url.js, a classic script: pages import it, the worker loads it with importScripts. */
declare var calmcalfBase64url: {
  /** The bytes a base64url string (padding optional) stands for. */
  toBytes(base64url: string): Uint8Array<ArrayBuffer>;
};

// base64url text to bytes (a VAPID public key for pushManager.subscribe).
//
// A classic script with no imports or exports, so the service worker can load it
// with importScripts and a page module can load it with `import './base64url.js'`;
// both then read it from `self`.

self.calmcalfBase64url = {
  /** The bytes a base64url string (padding optional) stands for. */
  toBytes(base64url) {
    const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
    const text = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
    return Uint8Array.from(text, (c) => c.charCodeAt(0));
  },
};

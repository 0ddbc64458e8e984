// What the pages use that TypeScript's DOM library does not describe: properties some
// browsers have and others lack, so the scripts test for them before use.

interface Window {
  /** Safari before 14.1 names AudioContext so. */
  webkitAudioContext?: typeof AudioContext;
}

interface Navigator {
  /** iOS Safari: true when the page runs from the home screen. */
  readonly standalone?: boolean;
}

interface Document {
  /** Chromium's Page Lifecycle: true when the tab was discarded and is now reloaded. */
  readonly wasDiscarded?: boolean;
}

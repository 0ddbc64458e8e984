// Globals that the page scripts and the service worker both have.

/** static/js/base64url.js, a classic script: pages import it, the worker loads it with importScripts. */
declare var calmcalfBase64url: {
  /** The bytes a base64url string (padding optional) stands for. */
  toBytes(base64url: string): Uint8Array<ArrayBuffer>;
};

/** static/js/nightdone-core.js, a classic script: "tonight is done", kept until sent (page and worker). */
declare var calmcalfNightDone: {
  CACHE: string;
  URL: string;
  TAG: string;
  /** The note still to send, or null. */
  pending(): Promise<{ night: string; until: number } | null>;
  /** Keep a note for `night`, to be sent before `until` (ms since 1970). */
  keep(night: string, until: number): Promise<void>;
  forget(): Promise<void>;
  /** Send the waiting note for this subscription: 'sent', 'refused', 'expired', 'none' or 'off'. */
  send(subscription: PushSubscription | null): Promise<string>;
};

// "Tonight is done": with reminders on, finishing the bedtime routine on this phone tells
// the server, so tonight's reminder is not sent. Only the night's date and this phone's
// push address (with its auth secret, which proves the reminder is this phone's) are sent,
// nothing else. A note waits in the cache until it is sent (or the night is over), so it
// goes when the phone is back online: from the page, or from the service worker
// (background sync).
//
// A classic script with no imports or exports, like base64url.js, so the service worker
// can load it with importScripts and a page module with `import './nightdone-core.js'`;
// both then read it from `self`.

self.calmcalfNightDone = {
  CACHE: 'calmcalf-settings', // shared with the worker, kept across versions
  URL: '/__night-done',
  TAG: 'calmcalf-night-done', // the background sync that sends it later

  /** The note still to send: {night: "YYYY-MM-DD", until: ms}, or null. */
  async pending() {
    const stored = await caches.match(this.URL, { cacheName: this.CACHE });
    return stored ? stored.json().catch(() => null) : null;
  },

  /** Keep a note for `night`, to be sent before `until` (ms since 1970: the night's end). */
  async keep(night, until) {
    const cache = await caches.open(this.CACHE);
    const body = JSON.stringify({ night, until });
    await cache.put(this.URL, new Response(body, { headers: { 'Content-Type': 'application/json' } }));
  },

  async forget() {
    const cache = await caches.open(this.CACHE);
    await cache.delete(this.URL);
  },

  /**
   * Send the waiting note for this subscription. Resolves with what became of it:
   * 'sent', 'refused' (the server said no: not tonight any more, or no reminder), 'expired'
   * (the night is over), 'none' (nothing waiting) or 'off' (no subscription); rejects when
   * there was no answer, so the note waits for the next try.
   * @param {PushSubscription | null} subscription
   */
  async send(subscription) {
    const note = await this.pending();
    if (!note) return 'none';
    if (!(Date.now() < note.until)) {
      await this.forget();
      return 'expired';
    }
    if (!subscription) {
      await this.forget();
      return 'off';
    }
    const { endpoint, keys } = subscription.toJSON(); // the auth secret proves it is this phone's reminder
    const response = await fetch('/api/reminders/done', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ endpoint, auth: keys && keys.auth, night: note.night }),
    });
    if (response.status === 429 || response.status >= 500) throw new Error(`HTTP ${response.status}`);
    await this.forget();
    return response.ok ? 'sent' : 'refused';
  },
};

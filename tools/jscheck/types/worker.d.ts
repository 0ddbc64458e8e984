// service_worker.js runs as a service worker. TypeScript's WebWorker library types
// `self` as the WorkerGlobalScope that every kind of worker has; this adds what a
// service worker's scope has besides (the same members as ServiceWorkerGlobalScope),
// so the worker can keep writing `self.clients`, `self.addEventListener('push', ...)`.
// Only tsconfig.worker.json reads this file: page scripts never see these globals.

interface WorkerGlobalScope {
  readonly clients: Clients;
  readonly registration: ServiceWorkerRegistration;
  skipWaiting(): Promise<void>;
  addEventListener<K extends keyof ServiceWorkerGlobalScopeEventMap>(
    type: K,
    listener: (this: ServiceWorkerGlobalScope, ev: ServiceWorkerGlobalScopeEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** The version and what to cache: /sw-precache.js (app/web/pwa.py sw_precache). */
  readonly CALMCALF_PRECACHE: {
    version: string;
    urls: string[];
    pages: string[];
    languages: string[];
    defaultLanguage: string;
  };
}

// Notification buttons ("Start routine", "Later") and background sync: in Chromium's service
// workers, not yet in TypeScript's WebWorker library.
interface NotificationOptions {
  actions?: { action: string; title: string; icon?: string }[];
}
interface SyncEvent extends ExtendableEvent {
  readonly tag: string;
  readonly lastChance: boolean;
}
interface ServiceWorkerGlobalScopeEventMap {
  sync: SyncEvent;
}

// Links to sources on other sites: with no connection, say so next to the link
// instead of letting the browser open its error page.

import { element } from './dom.js';

/** The translated "needs a connection" note for a link (from its source list), or null. */
function noteHolder(link) {
  return link.closest('[data-msg-offline]');
}

function showOfflineNote(holder) {
  let note = holder.querySelector('.offline-note');
  if (!note) {
    note = element('span', { class: 'offline-note', role: 'status' });
    holder.append(note);
  }
  note.textContent = ` ${holder.dataset.msgOffline}`;
}

export function initLinks() {
  document.addEventListener('click', (event) => {
    const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
    if (!(link instanceof HTMLAnchorElement) || navigator.onLine || new URL(link.href, location.href).origin === location.origin) return;
    const holder = noteHolder(link);
    if (!holder) return;
    event.preventDefault();
    showOfflineNote(holder);
  });
}

// The diary's list of cramps, newest first, each with Edit and a two-tap Delete.

import { element } from './dom.js';
import { duration, message } from './text.js';
import { triggerWords } from './triggers.js';

const lang = () => document.documentElement.lang;

/** "Sun 22 Nov, 03:00" for an episode's start. */
function when(episode) {
  return new Intl.DateTimeFormat(lang(), {
    weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit',
  }).format(new Date(episode.start));
}

/** How long it lasted; a Cramp now session closed without "It's gone" says its length is unknown. */
function lengthOf(root, episode) {
  if (episode.durationSeconds != null) return duration(root, episode.durationSeconds);
  return episode.source === 'cramp-now' ? message(root, 'no-length') : null;
}

export class EpisodeList {
  /** hooks: onEdit(episode), onDelete(episode) → Promise. */
  constructor(root, list, { onEdit, onDelete }) {
    this.root = root;
    this.list = list;
    this.hooks = { onEdit, onDelete };
  }

  render(episodes) {
    this.list.replaceChildren(...[...episodes].reverse().map((e) => this.item(e)));
  }

  facts(episode) {
    return [
      lengthOf(this.root, episode),
      episode.leg ? message(this.root, episode.leg) : null,
      episode.severity != null ? message(this.root, 'severity', { n: episode.severity }) : null,
      episode.source === 'cramp-now' ? message(this.root, 'from-cramp-now') : null,
    ].filter(Boolean);
  }

  item(episode) {
    const label = when(episode);
    const facts = this.facts(episode);
    const li = element('li', { class: 'episode', 'data-id': episode.id });
    const line = element('p');
    line.append(element('strong', {}, label), document.createTextNode(facts.length ? ` · ${facts.join(' · ')}` : ''));
    li.append(line);
    const triggers = triggerWords(this.root, episode.triggers);
    if (triggers.length) {
      li.append(element('p', { class: 'episode-triggers' }, message(this.root, 'triggers-list', { list: triggers.join(', ') })));
    }
    if (episode.note) li.append(element('p', { class: 'episode-note' }, episode.note));
    const actions = element('div', { class: 'episode-actions' });
    const edit = this.button('edit', label);
    const remove = this.button('delete', label);
    edit.addEventListener('click', () => this.hooks.onEdit(episode));
    remove.addEventListener('click', () => this.confirmDelete(remove, episode, label));
    actions.append(edit, remove);
    li.append(actions);
    return li;
  }

  button(name, label) {
    const button = element('button', { type: 'button', class: 'secondary' }, message(this.root, name));
    button.setAttribute('aria-label', `${message(this.root, name)}: ${label}`);
    return button;
  }

  /** Delete takes two taps: the button turns into "Yes, delete". */
  confirmDelete(button, episode, label) {
    if (button.dataset.confirming !== 'true') {
      button.dataset.confirming = 'true';
      button.textContent = message(this.root, 'confirm-delete');
      button.setAttribute('aria-label', `${message(this.root, 'confirm-delete')}: ${label}`);
      return;
    }
    this.hooks.onDelete(episode);
  }
}

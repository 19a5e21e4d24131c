/** The account's containers: list, create, delete (emptied first, after a confirmation). */
import { formatBytes, formatDate, h, replaceChildren } from '../dom.js';
import { announce, dialog, showError } from '../shell.js';
import { createContainer, deleteContainer, deleteFolder, listContainers } from './swift.js';
import { objectsHref } from './links.js';

export async function renderContainers(body: HTMLElement): Promise<void> {
  const containers = await listContainers();
  const input = h('input', { id: 'new-container', name: 'container', required: true, pattern: '[^/]+', autocomplete: 'off' });
  const form = h('form', { class: 'toolbar', 'aria-label': 'Create a container' },
    h('label', { for: 'new-container' }, 'New container'), input, h('button', { type: 'submit', class: 'primary' }, 'Create'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const name = input.value.trim();
    if (!name) return;
    createContainer(name).then(() => location.assign(objectsHref(name)), showError);
  });
  const rows = containers.map((c) => h('tr', { 'data-container': c.name },
    h('td', { class: 'name' }, h('a', { href: objectsHref(c.name) }, c.name)),
    h('td', { class: 'num' }, c.count),
    h('td', { class: 'num' }, formatBytes(c.bytes)),
    h('td', {}, c.last_modified ? formatDate(c.last_modified) : ''),
    h('td', {}, h('button', { type: 'button', class: 'danger', 'data-action': 'delete', 'aria-label': `Delete container ${c.name}` }, 'Delete'))));
  const table = h('table', { class: 'list', 'aria-label': 'Containers' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Name'), h('th', { scope: 'col', class: 'num' }, 'Objects'), h('th', { scope: 'col', class: 'num' }, 'Size'), h('th', { scope: 'col' }, 'Modified'), h('th', { scope: 'col' }, h('span', { class: 'visually-hidden' }, 'Actions')))),
    h('tbody', {}, ...rows));
  table.addEventListener('click', (e) => {
    const button = (e.target as Element).closest<HTMLButtonElement>('button[data-action="delete"]');
    const name = button?.closest<HTMLTableRowElement>('tr')?.dataset.container;
    if (name) void removeContainer(name, body);
  });
  replaceChildren(body, form, containers.length ? table : h('p', { class: 'muted' }, 'No containers yet.'));
}

async function removeContainer(name: string, body: HTMLElement): Promise<void> {
  const answer = await dialog(`Delete ${name}?`, h('p', {}, `Every object in ${name} is deleted, then the container.`),
    [{ label: 'Cancel', value: 'cancel', primary: true }, { label: 'Delete', value: 'delete' }]);
  if (answer !== 'delete') return;
  try {
    const n = await deleteFolder(name, '', (d) => announce(`Deleted ${d} objects of ${name}…`));
    await deleteContainer(name);
    announce(`Deleted ${name} (${n} objects)`);
    await renderContainers(body);
  } catch (err) {
    showError(err);
  }
}

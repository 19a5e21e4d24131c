/**
 * One container at one pseudo-folder: breadcrumbs, the container's public
 * read and versioning switches, the upload drop zone and queue, and a page
 * of folders and objects (1,000 per page, `marker` paging, so any number of
 * objects can be walked), each with its actions.
 */
import { swiftUrl } from '../api.js';
import { formatBytes, formatDate, h, replaceChildren } from '../dom.js';
import { announce, dialog, showError } from '../shell.js';
import { metadataDialog, shareDialog, versionsDialog } from './dialogs.js';
import { objectsHref, type Place } from './links.js';
import { deleteFolder, deleteObject, entryName, headers, isSubdir, listObjects, post, type ListingEntry } from './swift.js';
import { chosenFiles, droppedFiles, UploadQueue } from './uploads.js';

export const PAGE_SIZE = 1000;
const PUBLIC_READ = '.r:*,.rlistings';

function crumbs(container: string, prefix: string): HTMLElement {
  const parts = prefix.split('/').filter(Boolean);
  const items = [h('li', {}, h('a', { href: objectsHref() }, 'Containers')), h('li', {}, h('a', { href: objectsHref(container) }, container))];
  parts.forEach((p, i) => items.push(h('li', {}, h('a', { href: objectsHref(container, `${parts.slice(0, i + 1).join('/')}/`) }, p))));
  items[items.length - 1].querySelector('a')!.setAttribute('aria-current', 'location');
  return h('nav', { 'aria-label': 'Breadcrumbs' }, h('ol', { class: 'crumbs' }, ...items));
}

/** A switch button (aria-pressed) that POSTs the container's setting. */
function toggle(label: string, on: boolean, change: (on: boolean) => Promise<void>): HTMLButtonElement {
  const button = h('button', { type: 'button', class: 'toggle', 'aria-pressed': String(on) }, `${label}: ${on ? 'on' : 'off'}`);
  button.addEventListener('click', () => {
    const next = button.getAttribute('aria-pressed') !== 'true';
    button.disabled = true;
    change(next).then(() => {
      button.setAttribute('aria-pressed', String(next));
      button.textContent = `${label}: ${next ? 'on' : 'off'}`;
      announce(`${label} is ${next ? 'on' : 'off'}`);
    }, showError).finally(() => (button.disabled = false));
  });
  return button;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

/**
 * One row as HTML text, every value escaped: a page of 1,000 rows parsed
 * at once by the browser is several times faster than as many DOM calls.
 * The roles are spelled out because the style sheet lays rows out as grids
 * (`display` other than table's), which would otherwise cost them their table semantics.
 */
function rowHtml(container: string, prefix: string, e: ListingEntry, versioning: boolean): string {
  const name = entryName(e);
  const shown = esc(name.slice(prefix.length));
  if (isSubdir(e)) {
    return `<tr role="row" data-name="${esc(name)}" data-kind="folder"><td role="cell" class="name"><a href="${esc(objectsHref(container, name))}" class="folder">${shown}</a></td>`
      + '<td role="cell" class="num"></td><td role="cell">folder</td><td role="cell" class="actions"><button type="button" class="danger" data-action="delete-folder">Delete</button></td></tr>';
  }
  return `<tr role="row" data-name="${esc(name)}" data-kind="object"><td role="cell" class="name"><a href="${esc(swiftUrl(container, name, { download: '' }))}" download="${shown}">${shown}</a></td>`
    + `<td role="cell" class="num">${esc(formatBytes(e.bytes))}</td><td role="cell">${esc(formatDate(e.last_modified))}</td><td role="cell" class="actions">`
    + '<button type="button" data-action="meta">Metadata</button><button type="button" data-action="share">Share</button>'
    + (versioning ? '<button type="button" data-action="versions">Versions</button>' : '')
    + '<button type="button" class="danger" data-action="delete">Delete</button></td></tr>';
}

async function confirmDelete(what: string, detail: string): Promise<boolean> {
  return (await dialog(`Delete ${what}?`, h('p', {}, detail), [{ label: 'Cancel', value: 'cancel', primary: true }, { label: 'Delete', value: 'delete' }])) === 'delete';
}

async function act(action: string, container: string, name: string, reload: () => void): Promise<void> {
  switch (action) {
    case 'meta':
      if (await metadataDialog(container, name)) reload();
      return;
    case 'share':
      return shareDialog(container, name);
    case 'versions':
      return versionsDialog(container, name);
    case 'delete':
      if (!(await confirmDelete(name, `${name} is deleted.`))) return;
      await deleteObject(container, name);
      announce(`Deleted ${name}`);
      return reload();
    case 'delete-folder': {
      if (!(await confirmDelete(name, `Every object under ${name} is deleted.`))) return;
      const n = await deleteFolder(container, name, (d) => announce(`Deleted ${d} objects…`));
      announce(`Deleted ${name} (${n} objects)`);
      return reload();
    }
  }
}

function uploadZone(container: string, prefix: string, queue: UploadQueue): HTMLElement {
  const files = h('input', { type: 'file', multiple: true, hidden: true, id: 'upload-files' });
  const folder = h('input', { type: 'file', hidden: true, id: 'upload-folder', webkitdirectory: true });
  const take = (input: HTMLInputElement): void => {
    queue.add(container, chosenFiles(input).map((f) => ({ ...f, name: prefix + f.name })));
    input.value = '';
  };
  files.addEventListener('change', () => take(files));
  folder.addEventListener('change', () => take(folder));
  const zone = h('section', { class: 'dropzone', 'aria-label': 'Upload' },
    h('p', {}, 'Drop files or folders here, or '),
    h('button', { type: 'button', onclick: () => files.click() }, 'Choose files'), ' ',
    h('button', { type: 'button', onclick: () => folder.click() }, 'Choose a folder'),
    files, folder);
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    if (!e.dataTransfer) return;
    droppedFiles(e.dataTransfer).then((got) => queue.add(container, got.map((f) => ({ ...f, name: prefix + f.name }))), showError);
  });
  return zone;
}

/** The table and pager of one page of the listing, with the container's state they depend on. */
async function listingPage(place: Place & { container: string }, reload: () => void): Promise<{ nodes: Node[]; info: Headers; fetchMs: number; fetchedAt: number }> {
  const { container, prefix, marker } = place;
  const started = performance.now();
  const [info, entries] = await Promise.all([headers(container), listObjects(container, { prefix, marker, limit: PAGE_SIZE })]);
  const fetched = performance.now();
  const versioning = (info.get('x-versions-enabled') ?? '').toLowerCase() === 'true';
  const tbody = h('tbody', { role: 'rowgroup' });
  tbody.innerHTML = entries.map((e) => rowHtml(container, prefix, e, versioning)).join('');
  tbody.addEventListener('click', (e) => {
    const button = (e.target as Element).closest<HTMLButtonElement>('button[data-action]');
    const name = button?.closest<HTMLTableRowElement>('tr')?.dataset.name;
    if (button && name) act(button.dataset.action!, container, name, reload).catch(showError);
  });
  const th = (label: string, cls?: string) => h('th', { scope: 'col', role: 'columnheader', class: cls ?? null }, label);
  const table = h('table', { class: 'list objects', role: 'table', 'aria-label': `Objects in ${container}/${prefix}` },
    h('thead', { role: 'rowgroup' }, h('tr', { role: 'row' }, th('Name'), th('Size', 'num'), th('Modified'), th('Actions'))),
    tbody);
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' },
    marker ? h('a', { href: objectsHref(container, prefix) }, 'First page') : null,
    entries.length >= PAGE_SIZE ? h('a', { href: objectsHref(container, prefix, entryName(entries[entries.length - 1])), rel: 'next' }, 'Next page') : null,
    h('span', { class: 'muted' }, `${entries.length} entries on this page; ${info.get('x-container-object-count') ?? '?'} objects, ${formatBytes(Number(info.get('x-container-bytes-used') ?? 0))} in the container`));
  const nodes = [entries.length ? table : h('p', { class: 'muted' }, prefix ? 'This folder is empty.' : 'This container is empty.'), pager];
  return { nodes, info, fetchMs: fetched - started, fetchedAt: fetched };
}

/**
 * Once the rows are laid out and the next frame is painted, notes on the
 * page (what the browser test reads, in ms): `fetchMs`, the listing's
 * requests; `renderMs`, from their answers to that frame (the page's own
 * work); `shownMs`, from the navigation's start to that frame.
 */
async function markShown(body: HTMLElement, page: { fetchMs: number; fetchedAt: number }): Promise<void> {
  void body.offsetHeight;
  await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted, 0)));
  const now = performance.now();
  body.dataset.fetchMs = page.fetchMs.toFixed(1);
  body.dataset.shownMs = now.toFixed(1);
  body.dataset.renderMs = (now - page.fetchedAt).toFixed(1);
}

export async function renderListing(body: HTMLElement, place: Place & { container: string }, segmentSize: number): Promise<void> {
  const { container, prefix } = place;
  const listing = h('div', { class: 'listing' });
  // Re-lists after a change; the upload queue and the switches stay as they are.
  const show = async (): Promise<void> => {
    const page = await listingPage(place, reload);
    replaceChildren(listing, ...page.nodes);
    await markShown(body, page);
  };
  const reload = (): void => void show().catch(showError);
  const first = await listingPage(place, reload);
  const read = first.info.get('x-container-read') ?? '';
  const versioning = (first.info.get('x-versions-enabled') ?? '').toLowerCase() === 'true';
  const uploads = h('ul', { class: 'uploads', 'aria-label': 'Uploads' });
  const queue = new UploadQueue(uploads, segmentSize, reload);
  const settings = h('div', { class: 'toolbar', role: 'group', 'aria-label': 'Container settings' },
    toggle('Public read', read.includes('.r:*'), (on) => post(container, undefined, on ? { 'x-container-read': PUBLIC_READ } : { 'x-remove-container-read': '1' })),
    toggle('Versioning', versioning, (on) => post(container, undefined, { 'x-versions-enabled': String(on) }).then(reload)));
  replaceChildren(listing, ...first.nodes);
  replaceChildren(body, crumbs(container, prefix), settings, uploadZone(container, prefix, queue), uploads, listing);
  await markShown(body, first);
}

/** The object browser's dialogs: metadata view/edit, share link, versions. */
import { postJson, swiftUrl } from '../api.js';
import { formatBytes, formatDate, h } from '../dom.js';
import { announce, dialog } from '../shell.js';
import { headers, listVersions, post } from './swift.js';

const META = 'x-object-meta-';

function metaRow(key = '', value = ''): HTMLDivElement {
  const row = h('div', { class: 'meta-row' });
  const k = h('input', { class: 'meta-key', value: key, 'aria-label': 'metadata name', placeholder: 'name' });
  const v = h('input', { class: 'meta-value', value, 'aria-label': 'metadata value', placeholder: 'value' });
  const remove = h('button', { type: 'button', 'aria-label': `Remove ${key || 'this entry'}`, onclick: () => row.remove() }, 'Remove');
  row.append(k, v, remove);
  return row;
}

/** Shows an object's headers and edits its content type and X-Object-Meta-* (a POST replaces them all, as Swift does). */
export async function metadataDialog(container: string, name: string): Promise<boolean> {
  const hdrs = await headers(container, name);
  const rows = h('div', { class: 'meta-rows' });
  hdrs.forEach((value, key) => {
    if (key.startsWith(META)) rows.append(metaRow(decodeURIComponent(key.slice(META.length)), value));
  });
  const type = h('input', { id: 'meta-content-type', value: hdrs.get('content-type') ?? '' });
  const facts = h('dl', { class: 'facts' },
    h('dt', {}, 'Size'), h('dd', {}, formatBytes(Number(hdrs.get('content-length') ?? 0))),
    h('dt', {}, 'ETag'), h('dd', {}, hdrs.get('etag') ?? ''),
    h('dt', {}, 'Last modified'), h('dd', {}, hdrs.get('last-modified') ?? ''),
    hdrs.get('x-static-large-object') ? h('dt', {}, 'Large object') : null,
    hdrs.get('x-static-large-object') ? h('dd', {}, 'SLO manifest') : null,
    hdrs.get('x-object-version-id') ? h('dt', {}, 'Version') : null,
    hdrs.get('x-object-version-id') ? h('dd', {}, hdrs.get('x-object-version-id')) : null,
  );
  const content = h('div', {}, facts,
    h('div', { class: 'fields' }, h('label', { for: 'meta-content-type' }, 'Content type'), type),
    h('h3', {}, 'Metadata'), rows,
    h('button', { type: 'button', onclick: () => rows.append(metaRow()) }, 'Add metadata'));
  const answer = await dialog(`Metadata of ${name}`, content, [{ label: 'Cancel', value: 'cancel' }, { label: 'Save', value: 'save', primary: true }]);
  if (answer !== 'save') return false;
  const out: Record<string, string> = {};
  if (type.value) out['content-type'] = type.value;
  for (const row of rows.querySelectorAll<HTMLDivElement>('.meta-row')) {
    const key = row.querySelector<HTMLInputElement>('.meta-key')!.value.trim();
    if (key) out[META + encodeURIComponent(key)] = row.querySelector<HTMLInputElement>('.meta-value')!.value;
  }
  await post(container, name, out);
  announce(`Saved the metadata of ${name}`);
  return true;
}

const EXPIRIES: [string, number][] = [['1 hour', 3600], ['1 day', 86400], ['7 days', 7 * 86400], ['30 days', 30 * 86400]];

/** Asks for an expiry, then shows a tempurl anyone can GET until then. */
export async function shareDialog(container: string, name: string): Promise<void> {
  const select = h('select', { id: 'share-expiry' }, ...EXPIRIES.map(([label, s]) => h('option', { value: s, selected: s === 86400 }, label)));
  const answer = await dialog(`Share ${name}`, h('div', { class: 'fields' }, h('label', { for: 'share-expiry' }, 'Link works for'), select),
    [{ label: 'Cancel', value: 'cancel' }, { label: 'Make link', value: 'make', primary: true }]);
  if (answer !== 'make') return;
  const { url, expires } = await postJson<{ url: string; expires: number }>('/api/objects/share', { container, object: name, expiresIn: Number(select.value) });
  const field = h('input', { id: 'share-url', class: 'share-url', readonly: true, value: url });
  const copy = h('button', { type: 'button', onclick: () => {
    field.select();
    void navigator.clipboard?.writeText(url).then(() => announce('Link copied'), () => announce('Select the link and copy it'));
  } }, 'Copy');
  const shown = dialog('Share link', h('div', {}, h('label', { for: 'share-url' }, `Anyone with this link can download ${name} until ${formatDate(expires * 1000)}`), field, copy),
    [{ label: 'Close', value: 'close', primary: true }]);
  field.focus();
  field.select();
  await shown;
}

/** The versions of one object, newest first, each downloadable. */
export async function versionsDialog(container: string, name: string): Promise<void> {
  const versions = await listVersions(container, name);
  const table = h('table', { class: 'list' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Version'), h('th', { scope: 'col' }, 'Modified'), h('th', { scope: 'col', class: 'num' }, 'Size'), h('th', { scope: 'col' }, ''))),
    h('tbody', {}, ...versions.map((v) => h('tr', {},
      h('td', {}, v.version_id, v.is_latest ? ' (current)' : ''),
      h('td', {}, formatDate(v.last_modified)),
      h('td', { class: 'num' }, v.content_type === 'application/x-deleted;swift_versions_deleted=1' ? 'deleted' : formatBytes(v.bytes)),
      h('td', {}, h('a', { href: swiftUrl(container, name, { 'version-id': v.version_id, download: '' }), download: name.split('/').pop() ?? name }, 'Download'))))));
  await dialog(`Versions of ${name}`, versions.length ? table : h('p', {}, 'No versions.'), [{ label: 'Close', value: 'close', primary: true }]);
}

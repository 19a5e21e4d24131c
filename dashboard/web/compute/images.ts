/** Images (when the image API is relayed): the list (redrawn when the catalog reloads it) and an upload form whose progress bar shows the bytes sent. */
import { postJson, upload } from '../api.js';
import { formatBytes, h, replaceChildren } from '../dom.js';
import { announce, showError } from '../shell.js';
import { GLANCE, type Catalog, type Image } from './catalog.js';
import { field, table } from './widgets.js';

function uploadForm(catalog: Catalog): HTMLElement {
  const file = h('input', { id: 'image-file', type: 'file', required: true });
  const name = h('input', { id: 'image-name', autocomplete: 'off' });
  const format = h('select', { id: 'image-format' }, ...['raw', 'qcow2'].map((f) => h('option', { value: f }, f)));
  const progress = h('progress', { id: 'image-progress', max: 1, value: 0, 'aria-label': 'Upload progress' });
  const note = h('span', { class: 'muted', id: 'image-note', 'aria-live': 'polite' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Upload');
  const form = h('form', { class: 'fields' },
    ...field('image-file', 'File', file), ...field('image-name', 'Name', name), ...field('image-format', 'Disk format', format),
    h('span', {}), submit, h('span', {}), h('div', {}, progress, ' ', note));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const blob = file.files?.[0];
    if (!blob) return;
    submit.disabled = true;
    (async () => {
      const made = await postJson<Image>(`${GLANCE}/images`, { name: name.value || blob.name, disk_format: format.value, container_format: 'bare' });
      progress.max = blob.size || 1;
      progress.value = 0;
      await catalog.loadImages();
      await upload(`${GLANCE}/images/${made.id}/file`, blob, {
        headers: { 'content-type': 'application/octet-stream' },
        onProgress: (sent) => {
          progress.value = sent;
          replaceChildren(note, `${formatBytes(sent)} of ${formatBytes(blob.size)}`);
        },
      });
      // The last progress event may come before the end: the answer means every byte is in.
      progress.value = blob.size;
      replaceChildren(note, `uploaded ${formatBytes(blob.size)}`);
      announce(`Image ${made.name ?? made.id} uploaded`);
      form.reset();
      await catalog.loadImages();
    })().catch(showError).finally(() => (submit.disabled = false));
  });
  return form;
}

export function imagesSection(catalog: Catalog): HTMLElement {
  const list = h('div');
  catalog.watch('images', () => replaceChildren(list, table('Images you can boot', ['name', 'status', 'size', 'format', 'visibility'],
    catalog.images.map((i) => [i.name ?? i.id, i.status, i.size === null ? '—' : formatBytes(i.size), i.disk_format ?? '', i.visibility ?? '']), 'images')));
  return h('section', { 'aria-labelledby': 'images-h' }, h('h2', { id: 'images-h' }, 'Images'), list, h('h3', {}, 'Upload an image'), uploadForm(catalog));
}

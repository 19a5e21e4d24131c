/**
 * The compute view: servers with live status (polled every few seconds,
 * no reload), their actions and console log; boot; flavors; images with
 * uploads showing progress; key pairs. Everything goes through the relay
 * to the compute API (`/api/compute/nova/…`) and the image API
 * (`/api/compute/glance/…`).
 */
import { apiOk, getJson, postJson, upload } from '../api.js';
import { formatBytes, h, replaceChildren } from '../dom.js';
import { announce, dialog, pageFrame, showError, startPage } from '../shell.js';

const NOVA = '/api/compute/nova';
const GLANCE = '/api/compute/glance';
const POLL_MS = 3_000;

interface Flavor { id: string; name: string; vcpus: number; ram: number; disk: number }
interface Image { id: string; name: string | null; status: string; size: number | null; disk_format?: string; visibility?: string }
interface KeyPair { name: string; fingerprint: string }
interface Server {
  id: string; name: string; status: string; 'OS-EXT-STS:task_state'?: string | null;
  addresses?: Record<string, { addr: string; 'OS-EXT-IPS:type'?: string }[]>;
  flavor?: { id?: string; original_name?: string }; image?: { id?: string } | string;
  fault?: { message: string };
}

let flavors: Flavor[] = [];
let images: Image[] = [];

const field = (id: string, label: string, input: HTMLElement): HTMLElement[] => [h('label', { for: id }, label), input];

function table(caption: string, head: string[], rows: (string | number | Node)[][], id?: string): HTMLTableElement {
  return h('table', { class: 'list', id: id ?? null },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c))))));
}

async function confirm(title: string, text: string, action: string): Promise<boolean> {
  return (await dialog(title, h('p', {}, text), [{ label: 'Cancel', value: 'cancel' }, { label: action, value: 'ok', primary: true }])) === 'ok';
}

async function serverAction(server: Server, body: unknown, what: string): Promise<void> {
  await apiOk(`${NOVA}/servers/${server.id}/action`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, what);
  announce(`${what}: asked for ${server.name}`);
}

async function showConsole(server: Server): Promise<void> {
  const res = await postJson<{ output: string }>(`${NOVA}/servers/${server.id}/action`, { 'os-getConsoleOutput': { length: 200 } });
  await dialog(`Console log of ${server.name}`, h('pre', { class: 'console', tabindex: 0 }, res.output || '(empty)'), [{ label: 'Close', value: 'close', primary: true }]);
}

async function snapshot(server: Server): Promise<void> {
  const input = h('input', { id: 'snap-name', value: `${server.name}-snapshot`, required: true });
  const choice = await dialog(`Snapshot ${server.name}`, h('div', { class: 'fields' }, ...field('snap-name', 'Image name', input)),
    [{ label: 'Cancel', value: 'cancel' }, { label: 'Snapshot', value: 'ok', primary: true }]);
  if (choice === 'ok') await serverAction(server, { createImage: { name: input.value } }, 'Snapshot');
}

function actions(server: Server, refresh: () => Promise<void>): HTMLElement {
  const busy = Boolean(server['OS-EXT-STS:task_state']);
  const act = (label: string, run: () => Promise<void>, cls?: string) => h('button', {
    type: 'button', class: cls ?? null, disabled: busy && label !== 'Console log',
    'aria-label': `${label} ${server.name}`,
    onclick: () => { run().then(refresh).catch(showError); },
  }, label);
  const buttons = [act('Console log', () => showConsole(server))];
  if (server.status === 'ACTIVE') {
    buttons.push(act('Reboot', () => serverAction(server, { reboot: { type: 'SOFT' } }, 'Reboot')));
    buttons.push(act('Stop', () => serverAction(server, { 'os-stop': null }, 'Stop')));
  }
  if (server.status === 'SHUTOFF') buttons.push(act('Start', () => serverAction(server, { 'os-start': null }, 'Start')));
  if (server.status === 'ACTIVE' || server.status === 'SHUTOFF') buttons.push(act('Snapshot', () => snapshot(server)));
  buttons.push(act('Delete', async () => {
    if (!(await confirm('Delete server', `Delete ${server.name}? Its disk is gone for good.`, 'Delete'))) return;
    await apiOk(`${NOVA}/servers/${server.id}`, { method: 'DELETE' }, 'Delete');
    announce(`Deleting ${server.name}`);
  }, 'danger'));
  return h('div', { class: 'row-actions' }, ...buttons);
}

function addresses(server: Server): string {
  return Object.entries(server.addresses ?? {}).map(([net, list]) => `${net}: ${list.map((a) => a.addr).join(', ')}`).join('; ') || '—';
}

function imageName(server: Server): string {
  const id = typeof server.image === 'object' ? server.image?.id : undefined;
  if (!id) return '—';
  return images.find((i) => i.id === id)?.name ?? id;
}

function flavorName(server: Server): string {
  const f = server.flavor;
  return f?.original_name ?? flavors.find((x) => x.id === f?.id)?.name ?? f?.id ?? '—';
}

function statusCell(server: Server): HTMLElement {
  const task = server['OS-EXT-STS:task_state'];
  const cls = server.status === 'ACTIVE' ? 'badge up' : server.status === 'ERROR' ? 'badge down' : 'badge';
  return h('span', { class: cls, 'data-status': server.status, title: server.fault?.message ?? null }, task ? `${server.status} (${task})` : server.status);
}

function serversView(list: Server[], refresh: () => Promise<void>): HTMLElement {
  if (!list.length) return h('p', { class: 'muted', id: 'servers' }, 'No servers yet.');
  return table('Servers (live: refreshed every 3 s)', ['name', 'status', 'addresses', 'flavor', 'image', 'actions'],
    list.map((s) => [h('span', { class: 'name' }, s.name), statusCell(s), addresses(s), flavorName(s), imageName(s), actions(s, refresh)]), 'servers');
}

function bootForm(keypairs: KeyPair[], refresh: () => Promise<void>): HTMLElement {
  const name = h('input', { id: 'boot-name', required: true, autocomplete: 'off' });
  const image = h('select', { id: 'boot-image', required: true }, ...images.filter((i) => i.status.toLowerCase() === 'active').map((i) => h('option', { value: i.id }, i.name ?? i.id)));
  const flavor = h('select', { id: 'boot-flavor', required: true }, ...flavors.map((f) => h('option', { value: f.id }, `${f.name} (${f.vcpus} vCPU, ${f.ram} MiB)`)));
  const key = h('select', { id: 'boot-key' }, h('option', { value: '' }, '(none)'), ...keypairs.map((k) => h('option', { value: k.name }, k.name)));
  const form = h('form', { class: 'fields boot' },
    ...field('boot-name', 'Name', name), ...field('boot-image', 'Image', image), ...field('boot-flavor', 'Flavor', flavor), ...field('boot-key', 'Key pair', key),
    h('span', {}), h('button', { type: 'submit', class: 'primary' }, 'Boot'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const server: Record<string, string> = { name: name.value, imageRef: image.value, flavorRef: flavor.value };
    if (key.value) server.key_name = key.value;
    postJson(`${NOVA}/servers`, { server }).then(() => {
      announce(`Booting ${name.value}`);
      name.value = '';
      return refresh();
    }).catch(showError);
  });
  return h('section', { 'aria-labelledby': 'boot-h' }, h('h2', { id: 'boot-h' }, 'Boot a server'), form);
}

function imagesView(refreshAll: () => Promise<void>): HTMLElement {
  const file = h('input', { id: 'image-file', type: 'file', required: true });
  const name = h('input', { id: 'image-name', autocomplete: 'off' });
  const format = h('select', { id: 'image-format' }, ...['raw', 'qcow2'].map((f) => h('option', { value: f }, f)));
  const progress = h('progress', { id: 'image-progress', max: 1, value: 0, 'aria-label': 'Upload progress' });
  const note = h('span', { class: 'muted', 'aria-live': 'polite' });
  const form = h('form', { class: 'fields' },
    ...field('image-file', 'File', file), ...field('image-name', 'Name', name), ...field('image-format', 'Disk format', format),
    h('span', {}), h('button', { type: 'submit', class: 'primary' }, 'Upload'), h('span', {}), h('div', {}, progress, ' ', note));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const blob = file.files?.[0];
    if (!blob) return;
    (async () => {
      const made = await postJson<Image>(`${GLANCE}/images`, { name: name.value || blob.name, disk_format: format.value, container_format: 'bare' });
      progress.max = blob.size || 1;
      await upload(`${GLANCE}/images/${made.id}/file`, blob, {
        headers: { 'content-type': 'application/octet-stream' },
        onProgress: (sent) => {
          progress.value = sent;
          replaceChildren(note, `${formatBytes(sent)} of ${formatBytes(blob.size)}`);
        },
      });
      replaceChildren(note, `uploaded ${formatBytes(blob.size)}`);
      announce(`Image ${made.name ?? made.id} uploaded`);
      await refreshAll();
    })().catch(showError);
  });
  return h('section', { 'aria-labelledby': 'images-h' }, h('h2', { id: 'images-h' }, 'Images'),
    table('Images you can boot', ['name', 'status', 'size', 'format', 'visibility'],
      images.map((i) => [i.name ?? i.id, i.status, i.size === null ? '—' : formatBytes(i.size), i.disk_format ?? '', i.visibility ?? ''])),
    h('h3', {}, 'Upload an image'), form);
}

function keypairsView(keypairs: KeyPair[], refreshAll: () => Promise<void>): HTMLElement {
  const name = h('input', { id: 'key-name', required: true, autocomplete: 'off' });
  const pub = h('textarea', { id: 'key-public', rows: 2, placeholder: 'ssh-ed25519 AAAA… (empty: a new key pair is made)' });
  const form = h('form', { class: 'fields' }, ...field('key-name', 'Name', name), ...field('key-public', 'Public key', pub),
    h('span', {}), h('button', { type: 'submit', class: 'primary' }, 'Add key pair'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    (async () => {
      const keypair: Record<string, string> = { name: name.value };
      if (pub.value.trim()) keypair.public_key = pub.value.trim();
      const made = await postJson<{ keypair: { name: string; private_key?: string } }>(`${NOVA}/os-keypairs`, { keypair });
      if (made.keypair.private_key) {
        await dialog(`Private key of ${made.keypair.name}`, h('div', {}, h('p', {}, 'Save it now: it is not kept and will not be shown again.'),
          h('textarea', { readonly: true, rows: 10, class: 'share-url', 'aria-label': 'private key' }, made.keypair.private_key)), [{ label: 'Done', value: 'ok', primary: true }]);
      }
      await refreshAll();
    })().catch(showError);
  });
  const del = (k: KeyPair) => h('button', {
    type: 'button', class: 'danger', 'aria-label': `Delete key pair ${k.name}`,
    onclick: () => {
      (async () => {
        if (!(await confirm('Delete key pair', `Delete key pair ${k.name}?`, 'Delete'))) return;
        await apiOk(`${NOVA}/os-keypairs/${encodeURIComponent(k.name)}`, { method: 'DELETE' }, 'Delete key pair');
        await refreshAll();
      })().catch(showError);
    },
  }, 'Delete');
  return h('section', { 'aria-labelledby': 'keys-h' }, h('h2', { id: 'keys-h' }, 'Key pairs'),
    keypairs.length ? table('Your key pairs', ['name', 'fingerprint', ''], keypairs.map((k) => [k.name, k.fingerprint, del(k)])) : h('p', { class: 'muted' }, 'No key pairs.'),
    form);
}

startPage(async () => {
  const body = pageFrame('Compute');
  const settings = await getJson<{ compute: boolean; images: boolean }>('/api/compute/settings');
  if (!settings.compute) {
    replaceChildren(body, h('p', {}, 'No compute API is configured (swiftly start --with-compute runs one).'));
    return;
  }
  const serversBox = h('section', { 'aria-labelledby': 'servers-h' }, h('h2', { id: 'servers-h' }, 'Servers'), h('p', { class: 'loading' }, 'Loading…'));
  const rest = h('div');
  replaceChildren(body, serversBox, rest);
  let timer: number | undefined;
  const refreshServers = async (): Promise<void> => {
    window.clearTimeout(timer);
    try {
      const { servers } = await getJson<{ servers: Server[] }>(`${NOVA}/servers/detail`);
      const focused = document.activeElement?.getAttribute('aria-label');
      replaceChildren(serversBox, h('h2', { id: 'servers-h' }, 'Servers'), serversView(servers, refreshServers));
      // Keep the keyboard where it was across a refresh.
      if (focused) serversBox.querySelector<HTMLElement>(`[aria-label="${CSS.escape(focused)}"]`)?.focus();
    } catch (err) {
      showError(err);
    }
    timer = window.setTimeout(() => void refreshServers(), POLL_MS);
  };
  const refreshAll = async (): Promise<void> => {
    const [f, k, i] = await Promise.all([
      getJson<{ flavors: Flavor[] }>(`${NOVA}/flavors/detail`),
      getJson<{ keypairs: { keypair: KeyPair }[] }>(`${NOVA}/os-keypairs`),
      settings.images ? getJson<{ images: Image[] }>(`${GLANCE}/images`) : getJson<{ images: Image[] }>(`${NOVA}/images/detail`),
    ]);
    flavors = f.flavors;
    images = i.images;
    const keypairs = k.keypairs.map((x) => x.keypair);
    replaceChildren(rest, bootForm(keypairs, refreshServers),
      h('section', { 'aria-labelledby': 'flavors-h' }, h('h2', { id: 'flavors-h' }, 'Flavors'),
        table('Flavors', ['name', 'vCPUs', 'RAM', 'disk'], flavors.map((x) => [x.name, x.vcpus, `${x.ram} MiB`, `${x.disk} GiB`]))),
      settings.images ? imagesView(refreshAll) : h('span'), keypairsView(keypairs, refreshAll));
    await refreshServers();
  };
  await refreshAll();
});

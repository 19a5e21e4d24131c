/**
 * Servers: a table whose status is kept live (polled every 3 s, no reload),
 * each server's actions (console log, reboot, stop/start, snapshot, delete
 * after a confirmation), and the boot form.
 */
import { apiOk, postJson } from '../api.js';
import { h, replaceChildren } from '../dom.js';
import { announce, dialog, showError } from '../shell.js';
import { NOVA, POLL_MS, type Catalog } from './catalog.js';
import { confirm, field, setOptions, table } from './widgets.js';

interface Server {
  id: string; name: string; status: string; 'OS-EXT-STS:task_state'?: string | null;
  addresses?: Record<string, { addr: string; 'OS-EXT-IPS:type'?: string }[]>;
  flavor?: { id?: string; original_name?: string }; image?: { id?: string } | string;
  fault?: { message: string };
}

async function serverAction(server: Server, body: unknown, what: string): Promise<void> {
  await apiOk(`${NOVA}/servers/${server.id}/action`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, what);
  announce(`${what}: asked for ${server.name}`);
}

async function showConsole(server: Server): Promise<void> {
  const res = await postJson<{ output: string }>(`${NOVA}/servers/${server.id}/action`, { 'os-getConsoleOutput': { length: 200 } });
  await dialog(`Console log of ${server.name}`, h('pre', { class: 'console', tabindex: 0 }, res.output || '(empty)'), [{ label: 'Close', value: 'close', primary: true }]);
}

/** Asks for the image's name; true once the compute API took the snapshot. */
async function snapshot(server: Server): Promise<boolean> {
  const input = h('input', { id: 'snap-name', value: `${server.name}-snapshot`, required: true });
  const choice = await dialog(`Snapshot ${server.name}`, h('div', { class: 'fields' }, ...field('snap-name', 'Image name', input)),
    [{ label: 'Cancel', value: 'cancel' }, { label: 'Snapshot', value: 'ok', primary: true }]);
  if (choice !== 'ok') return false;
  await serverAction(server, { createImage: { name: input.value } }, 'Snapshot');
  return true;
}

function addresses(server: Server): string {
  return Object.entries(server.addresses ?? {}).map(([net, list]) => `${net}: ${list.map((a) => a.addr).join(', ')}`).join('; ') || '—';
}

function statusCell(server: Server): HTMLElement {
  const task = server['OS-EXT-STS:task_state'];
  const cls = server.status === 'ACTIVE' ? 'badge up' : server.status === 'ERROR' ? 'badge down' : 'badge';
  return h('span', { class: cls, 'data-status': server.status, title: server.fault?.message ?? null }, task ? `${server.status} (${task})` : server.status);
}

/** The servers section; `refresh()` re-reads the list now (and every 3 s after). */
export function serversSection(catalog: Catalog): { section: HTMLElement; refresh: () => Promise<void> } {
  const section = h('section', { 'aria-labelledby': 'servers-h' }, h('h2', { id: 'servers-h' }, 'Servers'), h('p', { class: 'loading' }, 'Loading…'));
  let timer: number | undefined;

  const imageName = (server: Server): string => {
    const id = typeof server.image === 'object' ? server.image?.id : undefined;
    return id ? catalog.images.find((i) => i.id === id)?.name ?? id : '—';
  };
  const flavorName = (server: Server): string => {
    const f = server.flavor;
    return f?.original_name ?? catalog.flavors.find((x) => x.id === f?.id)?.name ?? f?.id ?? '—';
  };
  const actions = (server: Server): HTMLElement => {
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
    // The new image is listed (queued, then saving) as soon as the compute API answers.
    if (server.status === 'ACTIVE' || server.status === 'SHUTOFF') buttons.push(act('Snapshot', async () => void ((await snapshot(server)) && (await catalog.loadImages()))));
    buttons.push(act('Delete', async () => {
      if (!(await confirm('Delete server', `Delete ${server.name}? Its disk is gone for good.`, 'Delete'))) return;
      await apiOk(`${NOVA}/servers/${server.id}`, { method: 'DELETE' }, 'Delete');
      announce(`Deleting ${server.name}`);
    }, 'danger'));
    return h('div', { class: 'row-actions' }, ...buttons);
  };

  async function refresh(): Promise<void> {
    window.clearTimeout(timer);
    try {
      const { servers } = await (await apiOk(`${NOVA}/servers/detail`)).json() as { servers: Server[] };
      const focused = document.activeElement?.getAttribute('aria-label');
      replaceChildren(section, h('h2', { id: 'servers-h' }, 'Servers'), servers.length
        ? table('Servers (live: refreshed every 3 s)', ['name', 'status', 'addresses', 'flavor', 'image', 'actions'],
          servers.map((s) => [h('span', { class: 'name' }, s.name), statusCell(s), addresses(s), flavorName(s), imageName(s), actions(s)]), 'servers')
        : h('p', { class: 'muted', id: 'servers' }, 'No servers yet.'));
      // Keep the keyboard where it was across a refresh.
      if (focused) section.querySelector<HTMLElement>(`[aria-label="${CSS.escape(focused)}"]`)?.focus();
    } catch (err) {
      showError(err);
    }
    timer = window.setTimeout(() => void refresh(), POLL_MS);
  }
  return { section, refresh };
}

/** The boot form; its image, flavor and key pair choices follow the catalog. */
export function bootSection(catalog: Catalog, booted: () => Promise<void>): HTMLElement {
  const name = h('input', { id: 'boot-name', required: true, autocomplete: 'off' });
  const image = h('select', { id: 'boot-image', required: true });
  const flavor = h('select', { id: 'boot-flavor', required: true });
  const key = h('select', { id: 'boot-key' });
  catalog.watch('images', () => setOptions(image, catalog.bootable().map((i) => ({ value: i.id, label: i.name ?? i.id }))));
  catalog.watch('flavors', () => setOptions(flavor, catalog.flavors.map((f) => ({ value: f.id, label: `${f.name} (${f.vcpus} vCPU, ${f.ram} MiB)` }))));
  catalog.watch('keypairs', () => setOptions(key, [{ value: '', label: '(none)' }, ...catalog.keypairs.map((k) => ({ value: k.name, label: k.name }))]));
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
      return booted();
    }).catch(showError);
  });
  return h('section', { 'aria-labelledby': 'boot-h' }, h('h2', { id: 'boot-h' }, 'Boot a server'), form);
}

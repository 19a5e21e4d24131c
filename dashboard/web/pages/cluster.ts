/**
 * The cluster view: refreshed every 15 s without reloading. Servers (up or
 * down, disks, replication, async pendings, quarantined), disk usage and
 * request charts, the proxy's error-limited nodes, the rings.
 */
import { ApiError, getJson } from '../api.js';
import { barChart, lineChart } from '../charts.js';
import { formatBytes, h, replaceChildren } from '../dom.js';
import { announce, pageFrame, showError, startPage } from '../shell.js';

interface Disk { device: string; mounted: boolean; size?: number; used?: number; avail?: number }
interface Server {
  host: string; kind?: string; up: boolean; error?: string; disks: Disk[]; asyncPending?: number;
  quarantined?: { objects: number; containers: number; accounts: number };
  replication?: { last: number | null; seconds: number | null };
}
interface RingDevice { id: number; region: number; zone: number; ip: string; port: number; device: string; weight: number; partitions: number; balance: number }
interface Ring { name: string; partPower: number; replicas: number; balance: number; dispersion: number; devices: RingDevice[] }
interface RatePoint { t: number; rate: number; latency: number | null }
interface State {
  at: number; rings: Ring[]; servers: Server[];
  errorLimited: { proxy: string; node: string; workers: number }[];
  metrics: { name: string; up: boolean; error?: string; rates: RatePoint[] }[];
}

const REFRESH_MS = 15_000;
const HOUR = 3_600_000;

function age(epochSeconds: number | null | undefined, now: number): string {
  if (!epochSeconds) return 'never';
  const s = Math.max(0, Math.round(now / 1000 - epochSeconds));
  return s < 120 ? `${s} s ago` : s < 7200 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

function table(caption: string, head: string[], rows: (string | number | Node)[][], numeric: number[] = []): HTMLTableElement {
  return h('table', { class: 'list' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, ...head.map((c, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : null }, c)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { class: numeric.includes(i) ? 'num' : null }, c))))));
}

const status = (up: boolean): HTMLElement => h('span', { class: up ? 'badge up' : 'badge down' }, up ? 'up' : 'down');

function serversSection(state: State): HTMLElement {
  const rows = state.servers.map((s) => {
    const disks = s.disks.map((d) => `${d.device}${d.mounted ? '' : ' (unmounted)'}`).join(', ');
    const q = s.quarantined;
    return [
      s.host, s.kind ?? '?', status(s.up), s.up ? disks || 'none' : s.error ?? '',
      s.asyncPending ?? '', q ? q.objects + q.containers + q.accounts : '',
      s.up ? age(s.replication?.last, state.at) : '',
      s.replication?.seconds != null ? `${s.replication.seconds.toFixed(1)} s` : '',
    ];
  });
  const down = state.servers.filter((s) => !s.up).length;
  return h('section', { 'aria-labelledby': 'servers-h' },
    h('h2', { id: 'servers-h' }, `Storage servers (${state.servers.length - down} up, ${down} down)`),
    table('Each storage server as its /recon answers', ['server', 'kind', 'status', 'disks', 'async pendings', 'quarantined', 'last replication', 'pass took'], rows, [4, 5]));
}

function disksSection(state: State): HTMLElement {
  // Each server reports the devices of its node (servers of one node show the same disks).
  const seen = new Map<string, { label: string; d: Disk }>();
  for (const s of state.servers) for (const d of s.disks) if (d.size) seen.set(`${s.host}/${d.device}`, { label: `${s.host} ${d.device}`, d });
  const bars = [...seen.values()].map(({ label, d }) => {
    const fraction = d.size ? (d.used ?? 0) / d.size : 0;
    return { label, fraction, text: `${(fraction * 100).toFixed(1)}% of ${formatBytes(d.size ?? 0)}`, warn: fraction > 0.9 || !d.mounted };
  });
  return h('section', { 'aria-labelledby': 'disks-h' }, h('h2', { id: 'disks-h' }, 'Disk usage per device'),
    bars.length ? barChart('Disk usage per device', bars) : h('p', { class: 'muted' }, 'No server reported its disks.'));
}

function errorLimitedSection(state: State): HTMLElement {
  return h('section', { 'aria-labelledby': 'el-h' }, h('h2', { id: 'el-h' }, 'Error-limited nodes (as the proxy sees them)'),
    state.errorLimited.length
      ? table('Nodes the proxy skips now', ['proxy', 'node', 'workers skipping it'], state.errorLimited.map((e) => [e.proxy, e.node, e.workers]), [2])
      : h('p', { class: 'muted' }, 'None: the proxy skips no node.'));
}

function requestsSection(state: State): HTMLElement {
  const withData = state.metrics.filter((m) => m.rates.length);
  const rateLines = withData.map((m) => ({ name: m.name, points: m.rates.map((p) => ({ t: p.t, v: p.rate })) }));
  const latencyLines = withData.map((m) => ({ name: m.name, points: m.rates.filter((p) => p.latency !== null).map((p) => ({ t: p.t, v: p.latency! * 1000 })) }));
  const rows = state.metrics.map((m) => {
    const last = m.rates[m.rates.length - 1];
    return [m.name, status(m.up), last ? last.rate.toFixed(2) : '', last?.latency != null ? (last.latency * 1000).toFixed(1) : ''];
  });
  return h('section', { 'aria-labelledby': 'req-h' }, h('h2', { id: 'req-h' }, 'Requests (last hour)'),
    h('div', { class: 'charts' },
      lineChart('Request rate per server', rateLines, { spanMs: HOUR, now: state.at, unit: 'req/s', format: (v) => v.toFixed(1) }),
      lineChart('Mean latency per server', latencyLines, { spanMs: HOUR, now: state.at, unit: 'ms', format: (v) => v.toFixed(0) })),
    table('Each server\'s /metrics: the latest rate', ['server', '/metrics', 'requests/s', 'mean latency (ms)'], rows, [2, 3]));
}

function ringsSection(state: State): HTMLElement {
  if (!state.rings.length) return h('section', {}, h('h2', {}, 'Rings'), h('p', { class: 'muted' }, 'No ring seen: the daemons\' /metrics did not answer.'));
  return h('section', { 'aria-labelledby': 'rings-h' }, h('h2', { id: 'rings-h' }, 'Rings'),
    ...state.rings.map((r) => h('div', { class: 'ring' },
      h('h3', {}, `${r.name}: ${2 ** r.partPower} partitions, ${r.replicas} replicas, balance ${r.balance.toFixed(2)}, dispersion ${r.dispersion.toFixed(2)}`),
      table(`The ${r.name} ring's devices`, ['id', 'region', 'zone', 'address', 'device', 'weight', 'partitions', 'balance'],
        r.devices.map((d) => [d.id, d.region, d.zone, `${d.ip}:${d.port}`, d.device, d.weight, d.partitions, d.balance.toFixed(2)]), [0, 1, 2, 5, 6, 7]))));
}

startPage(async () => {
  const body = pageFrame('Cluster');
  const updated = h('p', { class: 'muted', id: 'updated' });
  const content = h('div', { id: 'cluster' });
  const refresh = h('button', { type: 'button' }, 'Refresh now');
  replaceChildren(body, h('div', { class: 'toolbar' }, refresh, updated), content);
  let timer: number | undefined;
  const load = async (): Promise<void> => {
    window.clearTimeout(timer);
    try {
      const state = await getJson<State>('/api/cluster/state');
      replaceChildren(content, serversSection(state), disksSection(state), errorLimitedSection(state), requestsSection(state), ringsSection(state));
      replaceChildren(updated, `Updated ${new Date(state.at).toLocaleTimeString()}; refreshes every ${REFRESH_MS / 1000} s.`);
      const down = state.servers.filter((s) => !s.up);
      if (down.length) announce(`${down.length} storage server${down.length > 1 ? 's' : ''} down: ${down.map((s) => s.host).join(', ')}`, 'error');
      else announce('');
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) {
        replaceChildren(content, h('p', {}, 'The cluster view is for the cluster\'s operators (reseller admins).'));
        return;
      }
      showError(err);
    }
    timer = window.setTimeout(() => void load(), REFRESH_MS);
  };
  refresh.addEventListener('click', () => void load());
  await load();
});

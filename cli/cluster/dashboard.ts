/**
 * The dashboard part of `swiftly start`: `<dir>/etc/dashboard.conf`,
 * written once (operator-editable, like the rest), naming the proxy, the
 * storage nodes' /recon and every /metrics port; then `swiftly dashboard`
 * as one more supervised child.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getInt, getString, readConfSection } from '../../common/index.js';
import { iniText } from './layout.js';
import type { ChildSpec } from './supervisor.js';

export const DEFAULT_DASHBOARD_BIND = { host: '127.0.0.1', port: 8090 };

export interface DashboardStartOptions {
  etcDir: string;
  bind?: { host: string; port: number };
  proxyUrl: string;
  /** Storage servers' host:port (their /recon). */
  reconHosts: string[];
  /** /metrics ports by server name. */
  metricsPorts: Record<string, number>;
  computeUrl?: string;
  imageUrl?: string;
}

export function ensureDashboardConf(options: DashboardStartOptions): string {
  const path = join(options.etcDir, 'dashboard.conf');
  if (existsSync(path)) return path;
  const bind = options.bind ?? DEFAULT_DASHBOARD_BIND;
  writeFileSync(path, iniText([['dashboard', {
    '# swiftly dashboard: the web console (swiftly dashboard <this file>)': '',
    bind_ip: bind.host,
    bind_port: bind.port,
    proxy_url: options.proxyUrl,
    '# the proxy as browsers reach it (share links); proxy_url when empty': '',
    public_proxy_url: '',
    recon_hosts: options.reconHosts.join(', '),
    metrics_urls: Object.entries(options.metricsPorts).map(([name, port]) => `${name}=http://127.0.0.1:${port}/metrics`).join(', '),
    '# files larger than this (bytes) are uploaded as segments + an SLO manifest': '',
    segment_size: 100 * 1024 * 1024,
    log_level: 'info',
  }]]), { mode: 0o600 });
  return path;
}

/** The child that runs the dashboard, and the URL it serves. */
export function dashboardChild(options: DashboardStartOptions): { spec: ChildSpec; url: string } {
  const conf = ensureDashboardConf(options);
  const section = readConfSection(conf, 'dashboard');
  const host = getString(section, 'bind_ip', DEFAULT_DASHBOARD_BIND.host);
  const port = getInt(section, 'bind_port', DEFAULT_DASHBOARD_BIND.port);
  const args = ['dashboard', conf];
  if (options.computeUrl) args.push('--compute-url', options.computeUrl);
  if (options.imageUrl) args.push('--image-url', options.imageUrl);
  const shown = host === '0.0.0.0' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return { spec: { name: 'dashboard', args, host: host === '0.0.0.0' ? '127.0.0.1' : host, port }, url: `http://${shown}:${port}` };
}

/**
 * Test helper (not a test): swiftly container and account servers on
 * loopback port 0 over a temp devices dir, and small HTTP helpers.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, request } from 'undici';
import { startStorageServer, type ListeningServer } from '../../storage/index.js';
import { parseIni, silentLogger, swiftConfFromIni, type SwiftConf } from '../../common/index.js';
import { swiftConfText } from '../../cli/cluster/layout.js';

export const SWIFT_CONF_TEXT = swiftConfText('swiftlytestprefix', 'swiftlytestsuffix', [{ name: 'gold', default: true }, { name: 'silver' }]);

export interface DbServers {
  root: string;
  devices: string;
  swiftConf: SwiftConf;
  container: ListeningServer;
  account: ListeningServer;
  close(): Promise<void>;
}

export async function startDbServers(extra: Record<string, string> = {}): Promise<DbServers> {
  const root = mkdtempSync(join(tmpdir(), 'swiftly-db-'));
  const devices = join(root, 'devices');
  mkdirSync(join(devices, 'sda'), { recursive: true });
  const swiftConf = swiftConfFromIni(parseIni(SWIFT_CONF_TEXT));
  const conf = { devices, mount_check: 'false', ...extra };
  const opts = { host: '127.0.0.1', port: 0, swiftConf, logger: silentLogger };
  const container = await startStorageServer('container', conf, opts);
  const account = await startStorageServer('account', conf, opts);
  return {
    root, devices, swiftConf, container, account,
    close: async () => {
      await container.close();
      await account.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface Res {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request; `path` is sent as given (already percent-encoded). */
export async function http(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string | Buffer): Promise<Res> {
  const res = await request(`http://127.0.0.1:${port}${path}`, { method: method as 'GET', headers, body });
  const text = await res.body.text();
  const h: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) h[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  return { status: res.statusCode, headers: h, body: text };
}

/** REPLICATE on a connection of its own (the verb must open a connection). */
export async function replicate(port: number, path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Res> {
  const client = new Client(`http://127.0.0.1:${port}`);
  try {
    const res = await client.request({ method: 'REPLICATE' as 'GET', path, headers, body });
    const text = await res.body.text();
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) h[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
    return { status: res.statusCode, headers: h, body: text };
  } finally {
    await client.close();
  }
}

let clock = 1700000000;
/** A fresh, increasing X-Timestamp. */
export function nextTs(): string {
  clock += 1;
  return `${clock}.00000`;
}

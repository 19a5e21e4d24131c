/** Test helpers: an object server on port 0 over a temp devices dir, raw HTTP, a recording container server. */
import { mkdtempSync, mkdirSync, readdirSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startStorageServer, type ListeningServer } from '../../../storage/index.js';
import { parseIni, silentLogger, swiftConfFromIni, type SwiftConf } from '../../../common/index.js';

export const TEST_SWIFT_CONF: SwiftConf = swiftConfFromIni(parseIni(
  '[swift-hash]\nswift_hash_path_prefix = swiftlytestprefix\nswift_hash_path_suffix = swiftlytestsuffix\n' +
  '[storage-policy:0]\nname = gold\ndefault = yes\n[storage-policy:1]\nname = silver\n',
));

export interface TestObjectServer {
  root: string;
  devices: string;
  port: number;
  url(path: string): string;
  close(): Promise<void>;
}

export async function startObjectServer(conf: Record<string, string> = {}, devices = ['sda']): Promise<TestObjectServer> {
  const root = mkdtempSync(join(tmpdir(), 'swiftly-obj-'));
  const devRoot = join(root, 'node');
  for (const d of devices) mkdirSync(join(devRoot, d), { recursive: true });
  const server: ListeningServer = await startStorageServer('object', { devices: devRoot, mount_check: 'false', ...conf }, {
    host: '127.0.0.1', port: 0, swiftConf: TEST_SWIFT_CONF, logger: silentLogger,
  });
  return {
    root,
    devices: devRoot,
    port: server.port,
    url: (path) => `http://127.0.0.1:${server.port}${path}`,
    close: async () => {
      await server.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request with exact control over path bytes and headers (a new connection each time). */
export function http(port: number, method: string, path: string, headers: Record<string, string | number> = {}, body?: Buffer | string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A stand-in container server answering `status` to everything and recording what it got. */
export async function startRecorder(status = 201, delayMs = 0): Promise<{ port: number; requests: RecordedRequest[]; close(): Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      setTimeout(() => {
        res.writeHead(status);
        res.end();
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Every file under `dir`, relative, sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(p).isDirectory()) walk(p, r);
      else out.push(r);
    }
  };
  walk(dir, '');
  return out.sort();
}

export const ts = (seconds: number): string => seconds.toFixed(5);

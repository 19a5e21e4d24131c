/**
 * A proxy in front of storage nodes a test plays itself: servers on
 * 127.0.0.1 listening on port 0, a one-partition ring built from the ports
 * they were given (the first `replicas` nodes the primaries, the rest the
 * handoffs in order), and a proxy over it with the minimal conf.
 */
import type { AddressInfo, Server } from 'node:net';
import net from 'node:net';
import http from 'node:http';
import { parseIni, silentLogger, swiftConfFromIni } from '../../common/index.js';
import type { RingLookup, RingNode } from '../../ring/index.js';
import { startProxyServer, type ProxyServer } from '../../proxy/index.js';
import { FIXED_SWIFT_CONF as TEST_SWIFT_CONF } from '../../cli/cluster/layout.js';

/**
 * Listens on port 0 and resolves with the port the system gave. A port
 * picked beforehand could be taken by a test running beside this one, and
 * listen() would then never call back.
 */
export async function listenOnEphemeralPort(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * A port nothing listens on, for a node that is down: a server takes an
 * ephemeral port and is closed again before the ring is built. Nothing
 * waits on that port, so another process taking it meanwhile cannot hang a
 * test; it would only find that node up.
 */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listenOnEphemeralPort(server);
  await new Promise((r) => server.close(r));
  return port;
}

/** The ring device of node `i` at `port`: device `sd<i>`, one zone per node. */
export function fakeRingNode(i: number, port: number): RingNode {
  return {
    id: i, index: i, region: 1, zone: i + 1, ip: '127.0.0.1', port, replication_ip: '127.0.0.1',
    replication_port: port, device: `sd${i}`, weight: 1, meta: '',
  };
}

/** One partition (0) on every node: the first `replicas` are its primaries, the rest its handoffs in order; node i in `regions[i]` (default 1). */
export function onePartitionRing(ports: number[], replicas = ports.length, regions: number[] = []): RingLookup {
  const devs = ports.map((port, i) => ({ ...fakeRingNode(i, port), region: regions[i] ?? 1 }));
  const primaries = devs.slice(0, replicas);
  return {
    partPower: 0, partCount: 1, replicaCount: replicas, devs,
    getPart: () => 0,
    getPartNodes: () => primaries,
    getNodes: () => ({ partition: 0, nodes: primaries }),
    moreNodes: function* () {
      for (const d of devs.slice(replicas)) yield { ...d, handoff_index: d.index - replicas };
    },
  };
}

export interface FakeProxyOptions {
  /** Primaries of the partition; the other nodes are handoffs. Default: every node. */
  replicas?: number;
  /** Filters (Swift egg names) before proxy-server in the pipeline, e.g. `['catch_errors']`. */
  filters?: string[];
  /** Options of those filters' sections, by filter name, e.g. `{ keymaster: { encryption_root_secret: … } }`. */
  filterConf?: Record<string, Record<string, string>>;
  /** Lines added to `[app:proxy-server]`, e.g. `['node_timeout = 1']`. */
  app?: string[];
  /** Each node's region (default 1), for affinity. */
  regions?: number[];
}

/** A proxy on an ephemeral port over `onePartitionRing(ports)`. */
export function startProxyOverNodes(ports: number[], options: FakeProxyOptions = {}): Promise<ProxyServer> {
  const filters = options.filters ?? [];
  const conf = parseIni(
    `[DEFAULT]\n[pipeline:main]\npipeline = ${[...filters, 'proxy-server'].join(' ')}\n` +
      filters.map((f) => `[filter:${f}]\nuse = egg:swift#${f}\n${Object.entries(options.filterConf?.[f] ?? {}).map(([k, v]) => `${k} = ${v}\n`).join('')}`).join('') +
      `[app:proxy-server]\nuse = egg:swift#proxy\nswift_dir = unused\n${(options.app ?? []).map((l) => `${l}\n`).join('')}`,
  );
  const ring = onePartitionRing(ports, options.replicas, options.regions);
  return startProxyServer(conf, { logger: silentLogger, port: 0, swiftConf: swiftConfFromIni(parseIni(TEST_SWIFT_CONF)), loadRing: () => ring });
}

/**
 * A storage node that answers the proxy's account and container HEADs
 * itself (policy 0) and hands object requests to `answer` with the
 * object's name.
 */
export function objectNode(answer: (name: string, req: http.IncomingMessage, res: http.ServerResponse) => void): http.Server {
  return http.createServer((req, res) => {
    const parts = (req.url ?? '').split('?')[0].split('/').slice(3);
    if (parts.length < 3) {
      res.writeHead(204, { 'x-backend-storage-policy-index': '0', 'x-put-timestamp': '1700000000.00000' }).end();
      return;
    }
    answer(parts[2], req, res);
  });
}

/** Listens on ephemeral ports; resolves with them in order. */
export async function listenAll(servers: Server[]): Promise<number[]> {
  const ports: number[] = [];
  for (const s of servers) ports.push(await listenOnEphemeralPort(s));
  return ports;
}

/** Closes servers and the connections they still hold. */
export async function closeAll(servers: http.Server[]): Promise<void> {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
}

/**
 * One container row sent to the sync target (Swift's `container_sync_row`):
 *
 * - a deleted row is a DELETE of the remote object dated with the
 *   tombstone's time (404 and 409, already gone or newer there, are fine);
 * - a live row is first a HEAD of the remote object: when the remote copy is
 *   as new as the row's last change (its metadata time), nothing is sent;
 *   otherwise the newest local copy (asked of the object servers, as Swift's
 *   X-Newest GET does) is streamed into a PUT to the remote container with
 *   its metadata, Content-Type, ETag and X-Timestamp, so both sides hold the
 *   same version. Object versioning's links are not sent.
 *
 * Each remote request is signed for the realm (`X-Container-Sync-Auth:
 * <realm> <nonce> <sig>`), or carries `X-Container-Sync-Key` when the
 * target is a full URL. Swift reads the local copy through an internal
 * proxy; the daemon asks the object servers from the ring directly, which
 * is what that proxy would do.
 */
import { randomUUID } from 'node:crypto';
import { request, type Dispatcher } from 'undici';
import {
  BackendClient, containerSyncSignature, objectRingName, quotePath, Timestamp,
  type BackendResponse, type ContainerSyncRealms, type HashPathSecrets, type Logger, type Statsd, type SyncTarget,
} from '../common/index.js';
import { Ring, type RingLookup, type RingNode } from '../ring/index.js';
import { decodeTimestamps } from '../storage/index.js';

/** A container row as the DB holds it. */
export interface SyncRow {
  ROWID: number;
  name: string;
  created_at: string;
  deleted: number;
  size: number;
}

/** The container being synced: where its rows go and with which keys. */
export interface SyncJob {
  account: string;
  container: string;
  policyIndex: number;
  target: SyncTarget;
  userKey: string;
}

export interface RowSenderOptions {
  swiftDir: string;
  hashPath: HashPathSecrets;
  realms: ContainerSyncRealms;
  /** Storage-node client for the local copy (conn_timeout / node_timeout of the daemon). */
  local: BackendClient;
  /** The HTTP(S) agent for a request to the remote cluster (Swift's `select_http_proxy`). */
  remote: () => Dispatcher;
  /** Seconds for each remote request (Swift's `conn_timeout`, 5). */
  remoteTimeout: number;
  logger: Logger;
  /** Swift's `container-sync.` names: `deletes`, `puts` and their `.timing` (one row, start to end). */
  statsd?: Statsd;
}

export interface RowStats {
  puts: number;
  deletes: number;
  bytes: number;
}

/** A remote answer that is not one the row can live with. */
export class RemoteStatusError extends Error {
  constructor(readonly status: number, what: string) {
    super(`${what}: ${status}`);
    this.name = 'RemoteStatusError';
  }
}

const SYSMETA_VERSIONS_SYMLINK = 'x-object-sysmeta-versions-symlink';

/** Headers of the local object's GET that are not the object's to carry to the remote copy. */
const NOT_CARRIED = new Set([
  'date', 'last-modified', 'connection', 'keep-alive', 'transfer-encoding', 'accept-ranges', 'content-range', 'x-trans-id',
  'x-openstack-request-id', 'x-timestamp', 'etag', 'content-type',
]);

/** A symlink's stored target, as the symlink filter shows it to a `symlink=get` read. */
const SYMLINK_HEADERS: [sysmeta: string, header: string][] = [
  ['x-object-sysmeta-symlink-target', 'x-symlink-target'],
  ['x-object-sysmeta-symlink-target-account', 'x-symlink-target-account'],
  ['x-object-sysmeta-symlink-target-etag', 'x-symlink-target-etag'],
];

function unquote(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** The remote object's URL and the path its signature covers (the target's path and the quoted name). */
export function remoteObject(target: SyncTarget, name: string): { url: string; path: string } {
  const u = new URL(target.endpoint);
  const path = `${quotePath(unquote(u.pathname)).replace(/\/+$/, '')}/${quotePath(name)}`;
  return { url: `${u.origin}${path}`, path };
}

/** The headers that authorize a request to the remote object: realm signature, or the bare sync key. */
export function syncAuthHeaders(
  realms: ContainerSyncRealms, job: SyncJob, method: string, path: string, xTimestamp: string,
): Record<string, string> {
  const { realm, realmKey } = job.target;
  if (!realm || !realmKey) return { 'x-container-sync-key': job.userKey };
  const nonce = randomUUID().replace(/-/g, '');
  const sig = containerSyncSignature(method, path, xTimestamp, nonce, realmKey, job.userKey);
  return { 'x-container-sync-auth': `${realm} ${nonce} ${sig}` };
}

/** The PUT's headers from the local copy's: its metadata, clean Content-Type and bare ETag, its time. */
function carriedHeaders(local: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(local)) {
    if (NOT_CARRIED.has(name) || name.startsWith('x-backend-') || name.startsWith('x-object-sysmeta-') ||
      name.startsWith('x-object-transient-sysmeta-')) continue;
    out[name] = value;
  }
  for (const [sysmeta, header] of SYMLINK_HEADERS) if (local[sysmeta] !== undefined) out[header] = local[sysmeta];
  if (local.etag !== undefined) out.etag = local.etag.replace(/^"(.*)"$/, '$1');
  if (local['content-type'] !== undefined) out['content-type'] = local['content-type'].replace(/;\s*swift_bytes=[^;]*$/, '');
  out['x-timestamp'] = local['x-timestamp'];
  return out;
}

const ok = (status: number): boolean => status >= 200 && status < 300;

export class RowSender {
  private readonly rings = new Map<number, RingLookup>();

  constructor(private readonly opts: RowSenderOptions) {}

  private objectRing(policy: number): RingLookup {
    let r = this.rings.get(policy);
    if (!r) {
      r = new Ring(this.opts.swiftDir, { ringName: objectRingName(policy), hashPath: this.opts.hashPath });
      this.rings.set(policy, r);
    }
    return r;
  }

  /** Sends one row; true when the remote side now agrees with it. Failures are logged, not thrown. */
  async sendRow(job: SyncJob, row: SyncRow, stats: RowStats): Promise<boolean> {
    const started = performance.now();
    try {
      const [tsData, , tsMeta] = decodeTimestamps(row.created_at);
      if (row.deleted) {
        await this.deleteRemote(job, row.name, tsData);
        stats.deletes++;
        this.opts.statsd?.increment('deletes');
        this.opts.statsd?.timingSince('deletes.timing', started);
        return true;
      }
      if (await this.remoteIsCurrent(job, row.name, tsMeta)) return true;
      const sent = await this.putRemote(job, row.name, tsMeta);
      if (sent) {
        stats.puts++;
        stats.bytes += Number(row.size) || 0;
        this.opts.statsd?.increment('puts');
        this.opts.statsd?.timingSince('puts.timing', started);
      }
      return true;
    } catch (err) {
      const where = { syncFrom: `${quotePath(job.account)}/${quotePath(job.container)}`, syncTo: job.target.endpoint, object: row.name };
      if (err instanceof RemoteStatusError && err.status === 401) this.opts.logger.info(where, 'Unauth sync');
      else if (err instanceof RemoteStatusError && err.status === 404) this.opts.logger.info(where, 'Not found sync');
      else this.opts.logger.error({ ...where, err, row: row.ROWID }, 'ERROR Syncing row');
      return false;
    }
  }

  private async remoteRequest(
    job: SyncJob, method: string, name: string, xTimestamp: string, headers: Record<string, string> = {}, body?: NodeJS.ReadableStream, query = '',
  ): Promise<Dispatcher.ResponseData> {
    const { url, path } = remoteObject(job.target, name);
    const ms = this.opts.remoteTimeout * 1000;
    return request(url + query, {
      method: method as Dispatcher.HttpMethod,
      headers: { ...headers, 'x-timestamp': xTimestamp, ...syncAuthHeaders(this.opts.realms, job, method, path, xTimestamp) },
      body: body as Dispatcher.DispatchOptions['body'],
      dispatcher: this.opts.remote(),
      headersTimeout: ms,
      bodyTimeout: ms,
    });
  }

  private async deleteRemote(job: SyncJob, name: string, ts: Timestamp): Promise<void> {
    const res = await this.remoteRequest(job, 'DELETE', name, ts.internal);
    await res.body.dump();
    if (!ok(res.statusCode) && res.statusCode !== 404 && res.statusCode !== 409) throw new RemoteStatusError(res.statusCode, 'DELETE');
  }

  /** Whether the remote copy is at least as new as `ts` (Swift's `_object_in_remote_container`). */
  private async remoteIsCurrent(job: SyncJob, name: string, ts: Timestamp): Promise<boolean> {
    // symlink=get: a symlink's own time, not its target's (which would have it sent again every pass).
    const res = await this.remoteRequest(job, 'HEAD', name, ts.internal, {}, undefined, '?symlink=get');
    await res.body.dump();
    if (res.statusCode === 404) return false;
    // A full-URL target's sync key lets in PUTs and DELETEs only (Swift's swift_sync_key): a HEAD refused
    // there says nothing, so the PUT goes (Swift's daemon gives the row up, and never sends it).
    if (res.statusCode === 401 && !job.target.realm) return false;
    if (!ok(res.statusCode)) throw new RemoteStatusError(res.statusCode, 'HEAD');
    const remote = Timestamp.tryParse(String(res.headers['x-timestamp'] ?? '0')) ?? Timestamp.parse('0');
    return ts.compare(remote) <= 0;
  }

  /** Streams the newest local copy into a remote PUT; false when it is a versioning link (not sent). */
  private async putRemote(job: SyncJob, name: string, tsMeta: Timestamp): Promise<boolean> {
    const local = await this.newestLocal(job, name, tsMeta);
    if (local.headers[SYSMETA_VERSIONS_SYMLINK]) {
      local.body.destroy();
      this.opts.logger.info({ account: job.account, container: job.container, object: name }, 'Skipping versioning symlink');
      return false;
    }
    const headers = carriedHeaders(local.headers);
    let res: Dispatcher.ResponseData;
    try {
      res = await this.remoteRequest(job, 'PUT', name, headers['x-timestamp'], headers, local.body);
    } catch (err) {
      local.body.destroy();
      throw err;
    }
    await res.body.dump();
    // A remote that answered before taking the whole body (a 401, a 507) leaves the local read open.
    if (!local.body.readableEnded) local.body.destroy();
    if (!ok(res.statusCode)) throw new RemoteStatusError(res.statusCode, 'PUT');
    return true;
  }

  /**
   * A GET of the local object from the replica holding the newest copy (a
   * HEAD of each primary first, handoffs if no primary has one at least as
   * new as the row); throws when none does.
   */
  private async newestLocal(job: SyncJob, name: string, atLeast: Timestamp): Promise<BackendResponse> {
    const ring = this.objectRing(job.policyIndex);
    const { partition, nodes } = ring.getNodes(job.account, job.container, name);
    const path = quotePath(`/${job.account}/${job.container}/${name}`);
    const headers = { 'x-backend-storage-policy-index': String(job.policyIndex), 'user-agent': `container-sync ${process.pid}` };
    const nodePath = (node: RingNode): string => `/${quotePath(node.device)}/${partition}${path}`;
    const timeOf = async (node: RingNode): Promise<Timestamp | undefined> => {
      try {
        const res = await this.opts.local.request(node, 'HEAD', nodePath(node), headers);
        res.body.resume();
        return ok(res.status) ? Timestamp.tryParse(res.headers['x-timestamp'] ?? '') : undefined;
      } catch {
        return undefined;
      }
    };
    const handoffs = [...ring.moreNodes(partition)].slice(0, nodes.length);
    for (const group of [nodes, handoffs]) {
      const times = await Promise.all(group.map(timeOf));
      const candidates = group.map((node, i) => ({ node, ts: times[i] }))
        .filter((c): c is { node: RingNode; ts: Timestamp } => c.ts !== undefined && c.ts.compare(atLeast) >= 0)
        .sort((a, b) => b.ts.compare(a.ts));
      for (const { node } of candidates) {
        try {
          const res = await this.opts.local.request(node, 'GET', nodePath(node), headers);
          const ts = Timestamp.tryParse(res.headers['x-timestamp'] ?? '');
          if (ok(res.status) && ts && ts.compare(atLeast) >= 0) return res;
          res.body.destroy();
        } catch {
          // the next replica
        }
      }
    }
    throw new Error(`Unknown exception trying to GET: ${job.account} ${job.container} ${name}`);
  }
}

/**
 * The REPLICATE RPC of container and account servers, Swift's
 * `ReplicatorRpc` over HTTP: `REPLICATE /<device>/<partition>/<hash>` with
 * a JSON array body `[op, ...args]`.
 *
 *   ["sync", remote_max_row, hash, id, created_at, put_timestamp,
 *    delete_timestamp, metadata_json(, ...ignored extras)]
 *        → 200 JSON replication info of the local DB (`count`, `max_row`,
 *          `hash`, `id`, timestamps, `metadata`, counts, for containers
 *          also `storage_policy_index`, `db_state`, `shard_max_row`, and
 *          `point` = the local incoming sync point of the sender's id);
 *          merges the sender's metadata and timestamps first, and when the
 *          hashes match records the sender's max_row as its sync point.
 *          404 when the DB is missing. (Swift's extra container args —
 *          status_changed_at, count, policy index — are not reconciled.)
 *   ["merge_items", [rows...], source_id] → 202; rows as `getItemsSince`
 *          gives them (with ROWID); the source's sync point advances.
 *   ["merge_syncs", [{remote_id, sync_point}...]] → 202
 *   ["complete_rsync", tmp_name(, db_name)] → 204: publishes
 *          `<device>/tmp/<tmp_name>` as the DB (404 if the DB exists).
 *   ["rsync_then_merge", tmp_name] → 204: merges the local DB's rows into
 *          the uploaded copy, then replaces the local DB with it.
 *
 * rsync is replaced by an upload on the same verb: `REPLICATE
 * /<device>/<partition>/<hash>` with header `X-Swiftly-Replicate-Upload:
 * <tmp_name>` and the DB file as the body → 201, stored fsynced as
 * `<device>/tmp/<tmp_name>` for a following `complete_rsync` or
 * `rsync_then_merge`. Send a consistent copy: `broker.backup(path)` (SQLite
 * online backup, WAL included), never the raw file of a live DB.
 * The verb must open a connection (see the method shim); answers carry
 * `Connection: close` so keep-alive clients (Swift's replicator) reconnect.
 * `get_shard_ranges` answers `[]` and `merge_shard_ranges` is accepted and
 * ignored: sharding is not supported.
 *
 * A replicator pass over one DB, as Swift's `_repl_to_node`: send `sync`;
 * on 404 upload a `backup()` and `complete_rsync`; on 200 stop when the
 * hashes match or the peer's `point` is our max_row; if the peer is far
 * behind (its max_row < half ours and more than per_diff rows) upload and
 * `rsync_then_merge`; otherwise send `getItemsSince(point, per_diff)` chunks
 * with `merge_items` (source = our id), then `merge_syncs` with our incoming
 * sync table, and record the peer in our outgoing sync table
 * (`mergeSyncs([{remote_id, sync_point: max_row}], false)`).
 */
import { createWriteStream, existsSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setImmediate as yieldLoop } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { fsyncDirSync } from '../../common/index.js';
import type { DatabaseBroker, Row, SyncPoint } from './database-broker.js';
import { dbPathForHash, type DataDir } from './db-paths.js';
import { HttpStatusError } from './errors.js';
import { parseMetadata } from './metadata.js';
import { send, type Headers } from './response.js';
import { open, rm } from 'node:fs/promises';
import { MAX_RPC_BODY, readBodyWhole } from '../http/read-body.js';

export const UPLOAD_HEADER = 'x-swiftly-replicate-upload';

export interface ReplicatorRpcOptions<B extends DatabaseBroker> {
  devices: string;
  datadir: DataDir;
  /** The broker of a DB path (from the server's cache). */
  broker(dbFile: string): B;
  /** Forgets a cached broker before its file is replaced. */
  evict(dbFile: string): void;
}

function safeTmpName(name: unknown): string {
  if (typeof name !== 'string' || !name || name.includes('/') || name === '.' || name === '..' || name.includes('\0')) {
    throw new HttpStatusError(400, 'Invalid tmp name');
  }
  return name;
}

/** Handles one REPLICATE request whose device was already checked. */
export async function handleReplicate<B extends DatabaseBroker>(
  opts: ReplicatorRpcOptions<B>, request: FastifyRequest, reply: FastifyReply, device: string, partition: string, hash: string,
): Promise<FastifyReply> {
  const tmpDir = join(opts.devices, device, 'tmp');
  const upload = request.headers[UPLOAD_HEADER];
  if (typeof upload === 'string') {
    const name = safeTmpName(upload);
    mkdirSync(tmpDir, { recursive: true });
    const target = join(tmpDir, name);
    const partial = `${target}.part`;
    try {
      await pipeline(request.raw, createWriteStream(partial));
      const fh = await open(partial, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
      renameSync(partial, target);
    } catch (err) {
      // A cut upload or a failed write leaves nothing behind in tmp/.
      await rm(partial, { force: true });
      throw err;
    }
    fsyncDirSync(tmpDir);
    return send(reply, 201);
  }
  const body = await readBodyWhole(request.raw, MAX_RPC_BODY);
  let args: unknown;
  try {
    args = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return send(reply, 400, { 'Content-Type': 'text/plain' }, (err as Error).message);
  }
  if (!Array.isArray(args) || args.length === 0) return send(reply, 400, {}, 'Invalid object type');
  const [op, ...rest] = args as [string, ...unknown[]];
  // Names come from the ring's hash: anything else cannot name a DB of ours.
  const dbFile = /^[0-9a-f]{32}$/.test(hash) ? dbPathForHash(opts.devices, device, opts.datadir, partition, hash) : '';
  if (op === 'complete_rsync') return completeRsync(opts, reply, tmpDir, dbFile, rest);
  if (op === 'rsync_then_merge') return rsyncThenMerge(opts, reply, tmpDir, dbFile, rest);
  mkdirSync(tmpDir, { recursive: true });
  if (!dbFile || !existsSync(dbFile)) return send(reply, 404);
  const broker = opts.broker(dbFile);
  switch (op) {
    // What a sender is told was merged must survive a power loss: it may then delete its handoff copy.
    case 'sync': {
      const info = sync(broker, rest);
      await broker.durable();
      return send(reply, 200, { 'Content-Type': 'application/json' }, JSON.stringify(info));
    }
    case 'merge_items':
      broker.mergeItems(rest[0] as never[], rest[1] as string | undefined);
      await broker.durable();
      return send(reply, 202);
    case 'merge_syncs':
      broker.mergeSyncs(rest[0] as SyncPoint[]);
      await broker.durable();
      return send(reply, 202);
    // Sharding is not supported: a container DB of ours holds no shard ranges.
    case 'get_shard_ranges':
      return send(reply, 200, { 'Content-Type': 'application/json' }, '[]');
    case 'merge_shard_ranges':
      return send(reply, 202);
    default:
      return send(reply, 400, {}, `Invalid op: ${String(op)}`);
  }
}

/** Swift's `_handle_sync_request`. */
function sync(broker: DatabaseBroker, args: unknown[]): Row {
  const [point, hash, id, createdAt, putTimestamp, deleteTimestamp, metadata] = args as [number, string, string, string, string, string, string];
  const info = broker.getReplicationInfo();
  const remoteMeta = typeof metadata === 'string' ? parseMetadata(metadata) : {};
  if (Object.keys(remoteMeta).length) broker.updateMetadata(remoteMeta);
  if (info.created_at !== createdAt || info.put_timestamp !== putTimestamp || info.delete_timestamp !== deleteTimestamp) {
    broker.mergeTimestamps(createdAt, putTimestamp, deleteTimestamp);
  }
  info.point = broker.getSync(id);
  if (hash === info.hash && (info.point as number) < point) {
    broker.mergeSyncs([{ remote_id: id, sync_point: point }]);
    info.point = point;
  }
  return info;
}

function completeRsync<B extends DatabaseBroker>(
  opts: ReplicatorRpcOptions<B>, reply: FastifyReply, tmpDir: string, dbFile: string, args: unknown[],
): FastifyReply {
  const tmp = join(tmpDir, safeTmpName(args[0]));
  if (!dbFile) return send(reply, 404);
  if (args[1] !== undefined) dbFile = join(dbFile, '..', safeTmpName(args[1]));
  if (existsSync(dbFile) || !existsSync(tmp)) return send(reply, 404);
  const incoming = opts.broker(tmp);
  incoming.newid(String(args[0]));
  opts.evict(tmp);
  mkdirSync(join(dbFile, '..'), { recursive: true });
  renameSync(tmp, dbFile);
  fsyncDirSync(join(dbFile, '..'));
  return send(reply, 204);
}

async function rsyncThenMerge<B extends DatabaseBroker>(
  opts: ReplicatorRpcOptions<B>, reply: FastifyReply, tmpDir: string, dbFile: string, args: unknown[],
): Promise<FastifyReply> {
  const tmp = join(tmpDir, safeTmpName(args[0]));
  if (!dbFile || !existsSync(dbFile) || !existsSync(tmp)) return send(reply, 404);
  const incoming = opts.broker(tmp);
  const existing = opts.broker(dbFile);
  let point = -1;
  for (;;) {
    const rows = existing.getItemsSince(point, 1000);
    if (!rows.length) break;
    incoming.mergeItems(rows as never[]);
    point = Number(rows[rows.length - 1].ROWID ?? Object.values(rows[rows.length - 1])[0]);
    await yieldLoop();
  }
  incoming.mergeSyncs(existing.getSyncs());
  incoming.newid(String(args[0]));
  incoming.updateMetadata(existing.metadata);
  if (!existsSync(dbFile) || !existsSync(tmp)) return send(reply, 404);
  opts.evict(tmp);
  opts.evict(dbFile);
  renameSync(tmp, dbFile);
  for (const side of ['-wal', '-shm']) {
    try {
      unlinkSync(dbFile + side);
    } catch {
      // none left behind by a clean close
    }
  }
  fsyncDirSync(join(dbFile, '..'));
  return send(reply, 204);
}

export type { Headers };

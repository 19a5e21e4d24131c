/**
 * The container server's writes, in Swift's order of checks: PUT and
 * DELETE of a container or of an object row, POST of metadata, and UPDATE
 * (rows merged in bulk).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Timestamp } from '../../common/index.js';
import type { BackendPath } from '../http/backend-path.js';
import { HttpStatusError } from '../db/errors.js';
import type { Metadata } from '../db/metadata.js';
import { headerIsUtf8, headerValue, isSysOrUserMeta, validTimestamp, wsgiHeaderName } from '../db/request.js';
import { send } from '../db/response.js';
import { accountUpdate } from './account-update.js';
import type { ContainerBroker } from './container-broker.js';
import type { ContainerContext } from './container-context.js';
import type { ObjectRow } from './object-row.js';
import { requireValidSyncTo } from './sync-to.js';
import { MAX_RPC_BODY, readBodyWhole } from '../http/read-body.js';

/** The request's metadata headers, each stamped with the request's timestamp. */
function requestMetadata(ctx: ContainerContext, req: FastifyRequest, timestamp: Timestamp): Metadata {
  const md: Metadata = {};
  for (const [name, raw] of Object.entries(req.headers)) {
    if (raw === undefined) continue;
    if (!ctx.saveHeaders.includes(name) && !isSysOrUserMeta('container', name)) continue;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (!headerIsUtf8(value)) throw new HttpStatusError(400, 'Metadata must be valid UTF-8');
    md[wsgiHeaderName(name)] = [headerValue(req.headers, name)!, timestamp.internal];
  }
  return md;
}

function updateMetadata(ctx: ContainerContext, req: FastifyRequest, broker: ContainerBroker, timestamp: Timestamp, method: string): void {
  const md = requestMetadata(ctx, req, timestamp);
  if (!Object.keys(md).length) return;
  const syncTo = md['X-Container-Sync-To'];
  if (syncTo) {
    const old = broker.metadata['X-Container-Sync-To'];
    if (!old || old[0] !== syncTo[0]) broker.setXContainerSyncPoints(-1, -1);
  }
  broker.updateMetadata(md, true);
  ctx.updateSyncStore(broker, method);
}

function requireInt(req: FastifyRequest, name: string): number {
  const v = req.headers[name];
  if (typeof v !== 'string' || !/^\s*[+-]?\d+\s*$/.test(v)) throw new HttpStatusError(400, `Missing or invalid ${name}`);
  return parseInt(v, 10);
}

function checkSyncTo(ctx: ContainerContext, req: FastifyRequest): void {
  const syncTo = headerValue(req.headers, 'x-container-sync-to');
  if (syncTo !== undefined) requireValidSyncTo(syncTo, ctx.conf.allowedSyncHosts, ctx.syncRealms);
}

export async function putContainerOrObject(ctx: ContainerContext, req: FastifyRequest, reply: FastifyReply, p: BackendPath): Promise<FastifyReply> {
  const timestamp = validTimestamp(req.headers);
  checkSyncTo(ctx, req);
  ctx.checkDrive(p.device);
  const requested = ctx.requestedPolicyIndex(req);
  const broker = ctx.broker(p.device, p.partition, p.account, p.container!);
  if (p.object) {
    const policyIndex = requested ?? 0;
    ctx.maybeAutocreate(broker, timestamp.internal, p.account, policyIndex, req);
    const size = requireInt(req, 'x-size');
    broker.putObject(
      p.object, timestamp.internal, size, headerValue(req.headers, 'x-content-type') ?? '', headerValue(req.headers, 'x-etag') ?? '',
      0, policyIndex, headerValue(req.headers, 'x-content-type-timestamp'), headerValue(req.headers, 'x-meta-timestamp'),
    );
    await broker.durable();
    return send(reply, 201);
  }
  if ((headerValue(req.headers, 'x-backend-record-type') ?? '').toLowerCase() === 'shard') {
    throw new HttpStatusError(400, 'Invalid body: shard ranges are not supported');
  }
  const defaultHeader = headerValue(req.headers, 'x-backend-storage-policy-default');
  const newPolicy = requested ?? (defaultHeader !== undefined ? parseInt(defaultHeader, 10) : ctx.swiftConf.defaultPolicy.index);
  const created = updateOrCreate(req, broker, timestamp.internal, Number.isNaN(newPolicy) ? 0 : newPolicy, requested);
  updateMetadata(ctx, req, broker, timestamp, 'PUT');
  await Promise.all([broker.durable(), accountUpdate(req, {
    account: p.account, container: p.container!, info: broker.getInfo(), client: ctx.client,
    timeout: ctx.conf.accountUpdateTimeout, logger: ctx.logger, referer: `PUT ${req.url}`,
  })]);
  return send(reply, created ? 201 : 202, { 'X-Backend-Storage-Policy-Index': broker.storagePolicyIndex });
}

/** Swift's `_update_or_create`: true when the container was created (or re-created). */
function updateOrCreate(req: FastifyRequest, broker: ContainerBroker, timestamp: string, newPolicy: number, requested: number | undefined): boolean {
  if (!broker.exists()) {
    try {
      broker.initialize(timestamp, newPolicy);
      return true;
    } catch (err) {
      if ((err as Error).name !== 'DatabaseAlreadyExistsError') throw err;
    }
  }
  const recreated = broker.isDeleted();
  if (recreated) {
    broker.setStoragePolicyIndex(newPolicy, timestamp);
  } else if (requested !== undefined && requested !== broker.storagePolicyIndex) {
    throw new HttpStatusError(409, undefined, { 'X-Backend-Storage-Policy-Index': broker.storagePolicyIndex });
  }
  broker.updatePutTimestamp(timestamp);
  if (broker.isDeleted()) throw new HttpStatusError(409);
  if (recreated) broker.updateStatusChangedAt(timestamp);
  return recreated;
}

export async function deleteContainerOrObject(ctx: ContainerContext, req: FastifyRequest, reply: FastifyReply, p: BackendPath): Promise<FastifyReply> {
  const timestamp = validTimestamp(req.headers);
  ctx.checkDrive(p.device);
  const policyIndex = ctx.requestedPolicyIndex(req) ?? 0;
  const broker = ctx.broker(p.device, p.partition, p.account, p.container!);
  if (p.object) {
    ctx.maybeAutocreate(broker, timestamp.internal, p.account, policyIndex, req);
    // Swift stores the X-Timestamp of a row DELETE as sent (it is hashed as such).
    broker.deleteObject(p.object, headerValue(req.headers, 'x-timestamp')!.trim(), policyIndex);
    await broker.durable();
    return send(reply, 204);
  }
  if (!broker.exists()) return send(reply, 404);
  if (!broker.empty()) return send(reply, 409);
  const info = broker.getInfo();
  const existed = Timestamp.parse(info.put_timestamp).raw > 0 && !broker.isDeleted();
  broker.deleteDb(timestamp.internal);
  if (!broker.isDeleted()) return send(reply, 409);
  ctx.updateSyncStore(broker, 'DELETE');
  await Promise.all([broker.durable(), accountUpdate(req, {
    account: p.account, container: p.container!, info: broker.getInfo(), client: ctx.client,
    timeout: ctx.conf.accountUpdateTimeout, logger: ctx.logger, referer: `DELETE ${req.url}`,
  })]);
  return send(reply, existed ? 204 : 404);
}

export async function postContainer(ctx: ContainerContext, req: FastifyRequest, reply: FastifyReply, p: BackendPath): Promise<FastifyReply> {
  const timestamp = validTimestamp(req.headers);
  checkSyncTo(ctx, req);
  ctx.checkDrive(p.device);
  const broker = ctx.broker(p.device, p.partition, p.account, p.container!);
  if (broker.isDeleted()) return send(reply, 404);
  broker.updatePutTimestamp(timestamp.internal);
  updateMetadata(ctx, req, broker, timestamp, 'POST');
  await broker.durable();
  return send(reply, 204);
}

/** UPDATE: a JSON list of object rows merged in one go (Swift's proxy-side merge_items). */
export async function updateContainer(ctx: ContainerContext, req: FastifyRequest, reply: FastifyReply, p: BackendPath): Promise<FastifyReply> {
  const timestamp = validTimestamp(req.headers);
  ctx.checkDrive(p.device);
  const requested = ctx.requestedPolicyIndex(req);
  const broker = ctx.broker(p.device, p.partition, p.account, p.container!);
  ctx.maybeAutocreate(broker, timestamp.internal, p.account, requested, req);
  const body = await readBodyWhole(req.raw, MAX_RPC_BODY);
  let rows: ObjectRow[];
  try {
    rows = JSON.parse(body.toString('utf8')) as ObjectRow[];
    if (!Array.isArray(rows)) throw new Error('Invalid object type');
  } catch (err) {
    return send(reply, 400, { 'Content-Type': 'text/plain' }, (err as Error).message);
  }
  broker.mergeItems(rows);
  await broker.durable();
  return send(reply, 202);
}

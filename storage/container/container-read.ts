/** The container server's reads: HEAD (stats and metadata) and GET (listings). */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Timestamp } from '../../common/index.js';
import type { BackendPath } from '../http/backend-path.js';
import { containerXml, listingContentType, listingText, pythonJson } from '../db/listing-format.js';
import { configTrue, constrainLimit, getParam } from '../db/request.js';
import { send } from '../db/response.js';
import type { ObjectListingEntry } from './container-broker.js';
import type { ContainerContext } from './container-context.js';
import { metadataHeaders, statHeaders } from './container-headers.js';
import { extractSwiftBytes } from './object-row.js';

const PARAMS = ['marker', 'end_marker', 'prefix', 'delimiter', 'path', 'format', 'reverse', 'states', 'includes'];

function acceptHeader(req: FastifyRequest): string | undefined {
  const a = req.headers.accept;
  return Array.isArray(a) ? a.join(',') : a;
}

export function headContainer(ctx: ContainerContext, req: FastifyRequest, reply: FastifyReply, p: BackendPath, query: Map<string, Buffer>): FastifyReply {
  const contentType = listingContentType(query, acceptHeader(req));
  ctx.checkDrive(p.device);
  const broker = ctx.broker(p.device, p.partition, p.account, p.container!);
  const [info, isDeleted] = broker.getInfoIsDeleted();
  const headers = statHeaders(info, isDeleted);
  if (isDeleted) return send(reply, 404, headers);
  Object.assign(headers, metadataHeaders(broker.metadata, ctx.saveHeaders));
  headers['Content-Type'] = `${contentType}; charset=utf-8`;
  headers['Last-Modified'] = Timestamp.parse(info!.put_timestamp).httpDate;
  return send(reply, 204, headers);
}

/** A listing record as Swift's `update_data_record` makes it (swift_bytes folded into bytes). */
function record(entry: ObjectListingEntry): Record<string, string | number> {
  if (entry.subdir) return { subdir: entry.name };
  const [contentType, swiftBytes] = extractSwiftBytes(entry.contentType);
  const bytes = swiftBytes !== undefined && /^\s*[+-]?\d+\s*$/.test(swiftBytes) ? parseInt(swiftBytes, 10) : entry.size;
  return {
    bytes, hash: entry.etag, name: entry.name, content_type: contentType,
    last_modified: Timestamp.isoformatOf(entry.lastModified),
  };
}

export async function getContainer(
  ctx: ContainerContext, req: FastifyRequest, reply: FastifyReply, p: BackendPath, query: Map<string, Buffer>,
): Promise<FastifyReply> {
  const params: Record<string, string | undefined> = {};
  for (const name of PARAMS) params[name] = getParam(query, name);
  const limit = constrainLimit(query, ctx.swiftConf.constraints.container_listing_limit);
  const contentType = listingContentType(query, acceptHeader(req));
  ctx.checkDrive(p.device);
  const broker = ctx.broker(p.device, p.partition, p.account, p.container!);
  const [info, isDeleted] = broker.getInfoIsDeleted();
  const recordType = String(req.headers['x-backend-record-type'] ?? '').toLowerCase();
  const headers = statHeaders(info, isDeleted);
  if (recordType === 'shard') {
    // This server keeps no shard ranges: an unsharded container has none.
    if (isDeleted) return send(reply, 404, headers);
    headers['X-Backend-Record-Type'] = 'shard';
    return finish(reply, headers, info!.put_timestamp, contentType, contentType.endsWith('/json') ? '[]' : '');
  }
  const requested = ctx.requestedPolicyIndex(req);
  if (isDeleted) return send(reply, 404, headers);
  headers['X-Backend-Record-Type'] = 'object';
  const policyIndex = requested ?? info!.storage_policy_index;
  headers['X-Backend-Record-Storage-Policy-Index'] = policyIndex;
  const entries = await broker.listObjects({
    limit, marker: params.marker ?? '', endMarker: params.end_marker, prefix: params.prefix, delimiter: params.delimiter,
    path: params.path, reverse: configTrue(params.reverse), allowReserved: configTrue(req.headers['x-backend-allow-reserved-names']),
  }, policyIndex);
  Object.assign(headers, metadataHeaders(broker.metadata, ctx.saveHeaders));
  const records = entries.map(record);
  let body: string;
  if (contentType.endsWith('/xml')) body = containerXml(p.container!, records);
  else if (contentType.endsWith('/json')) body = pythonJson(records);
  else body = listingText(records);
  return finish(reply, headers, info!.put_timestamp, contentType, body);
}

function finish(reply: FastifyReply, headers: Record<string, string | number>, putTimestamp: string, contentType: string, body: string): FastifyReply {
  headers['Content-Type'] = `${contentType}; charset=utf-8`;
  headers['Last-Modified'] = Timestamp.parse(putTimestamp).httpDate;
  return send(reply, body ? 200 : 204, headers, body ? Buffer.from(body, 'utf8') : undefined);
}


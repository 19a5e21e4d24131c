/**
 * What an account server answers HEAD and GET with (Swift's
 * `get_response_headers` and `account_listing_response`).
 */
import type { FastifyReply } from 'fastify';
import { Timestamp, type SwiftConf } from '../../common/index.js';
import { accountXml, listingText, pythonJson } from '../db/listing-format.js';
import { toHeaderValue } from '../db/request.js';
import { send, type Headers } from '../db/response.js';
import type { AccountBroker, ContainerListingEntry } from './account-broker.js';

export function accountHeaders(broker: AccountBroker, swiftConf: SwiftConf): Headers {
  const info = broker.getInfo();
  const headers: Headers = {
    'X-Account-Container-Count': info.container_count,
    'X-Account-Object-Count': info.object_count,
    'X-Account-Bytes-Used': info.bytes_used,
    'X-Timestamp': Timestamp.parse(info.created_at).normal,
    'X-PUT-Timestamp': Timestamp.parse(info.put_timestamp).normal,
  };
  for (const [index, stats] of Object.entries(broker.getPolicyStats())) {
    const policy = swiftConf.policies.find((p) => p.index === Number(index));
    if (!policy) continue;
    headers[`X-Account-Storage-Policy-${policy.name}-Container-Count`] = stats.container_count;
    headers[`X-Account-Storage-Policy-${policy.name}-Object-Count`] = stats.object_count;
    headers[`X-Account-Storage-Policy-${policy.name}-Bytes-Used`] = stats.bytes_used;
  }
  for (const [key, [value]] of Object.entries(broker.metadata)) {
    if (value !== '') headers[toHeaderValue(key)] = toHeaderValue(value);
  }
  return headers;
}

export function sendAccountListing(
  reply: FastifyReply, account: string, contentType: string, headers: Headers, entries: ContainerListingEntry[],
): FastifyReply {
  const records = entries.map((e): Record<string, string | number> => e.subdir
    ? { subdir: e.name }
    : { name: e.name, count: e.objectCount, bytes: e.bytesUsed, last_modified: Timestamp.isoformatOf(e.putTimestamp) });
  headers['Content-Type'] = `${contentType}; charset=utf-8`;
  if (contentType.endsWith('/xml')) return send(reply, 200, headers, Buffer.from(accountXml(account, records), 'utf8'));
  if (contentType.endsWith('/json')) return send(reply, 200, headers, Buffer.from(pythonJson(records), 'utf8'));
  if (records.length) return send(reply, 200, headers, Buffer.from(listingText(records), 'utf8'));
  return send(reply, 204, headers);
}

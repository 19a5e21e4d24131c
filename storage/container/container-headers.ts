/** The headers a container server answers HEAD and GET with (Swift's `gen_resp_headers`). */
import { Timestamp } from '../../common/index.js';
import type { Metadata } from '../db/metadata.js';
import { isSysOrUserMeta, toHeaderValue } from '../db/request.js';
import type { Headers } from '../db/response.js';
import type { ContainerInfo } from './container-broker.js';

/** Metadata keys kept as headers besides user/system metadata. */
export const SAVE_HEADERS = ['x-container-read', 'x-container-write', 'x-container-sync-key', 'x-container-sync-to'];

export function statHeaders(info: ContainerInfo | undefined, isDeleted: boolean): Headers {
  const ts = (v: string | undefined): Timestamp => Timestamp.parse(v ?? '0');
  const headers: Headers = {
    'X-Backend-Timestamp': ts(info?.created_at).internal,
    'X-Backend-PUT-Timestamp': ts(info?.put_timestamp).internal,
    'X-Backend-DELETE-Timestamp': ts(info?.delete_timestamp).internal,
    'X-Backend-Status-Changed-At': ts(info?.status_changed_at).internal,
    'X-Backend-Storage-Policy-Index': info?.storage_policy_index ?? 0,
  };
  if (!isDeleted) {
    headers['X-Container-Object-Count'] = info?.object_count ?? 0;
    headers['X-Container-Bytes-Used'] = info?.bytes_used ?? 0;
    headers['X-Timestamp'] = ts(info?.created_at).normal;
    headers['X-PUT-Timestamp'] = ts(info?.put_timestamp).normal;
    headers['X-Backend-Sharding-State'] = 'unsharded';
  }
  return headers;
}

/** Stored metadata as response headers (non-empty values only). */
export function metadataHeaders(md: Metadata, saveHeaders: string[]): Headers {
  const out: Headers = {};
  for (const [key, [value]] of Object.entries(md)) {
    if (value !== '' && (saveHeaders.includes(key.toLowerCase()) || isSysOrUserMeta('container', key))) {
      out[toHeaderValue(key)] = toHeaderValue(value);
    }
  }
  return out;
}

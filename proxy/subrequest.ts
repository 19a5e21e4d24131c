/**
 * Subrequests a filter makes through the rest of the pipeline (Swift's
 * `make_subrequest`): the client's credentials and the headers ACLs look at
 * carry over, the environment (authorize hook, cache, trans id) is shared,
 * and the user agent says which filter asked.
 */
import type { Headers, SwiftRequest } from './types.js';

/** What a subrequest inherits from the client's request (Swift's make_env keeps these). */
const INHERITED = ['x-auth-token', 'referer', 'x-forwarded-for', 'host'];

export interface SubrequestSpec {
  method: string;
  /** Percent-encoded path. */
  path: string;
  query?: string;
  headers?: Headers;
  /** Appended to the client's user agent (`SLO MultipartGET`). */
  agent: string;
}

export function subrequest(req: SwiftRequest, spec: SubrequestSpec): SwiftRequest {
  const headers: Headers = {};
  for (const k of INHERITED) if (req.headers[k] !== undefined) headers[k] = req.headers[k];
  headers['user-agent'] = `${req.headers['user-agent'] ?? '-'} ${spec.agent}`;
  Object.assign(headers, spec.headers);
  return {
    method: spec.method,
    path: spec.path,
    query: spec.query ?? '',
    headers,
    remoteAddr: req.remoteAddr,
    env: req.env,
  };
}

/** Adds `value` to a comma-separated header unless present (Swift's update_etag_is_at_header). */
export function appendCsvHeader(headers: Headers, name: string, value: string): void {
  const have = headers[name];
  if (!have) headers[name] = value;
  else if (!have.split(',').map((s) => s.trim().toLowerCase()).includes(value.toLowerCase())) headers[name] = `${have},${value}`;
}

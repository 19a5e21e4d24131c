/**
 * How Swift's bulk operations answer (bulk's extract-archive and bulk-delete,
 * slo's manifest delete): 200 at once, since one short request may mean
 * thousands of subrequests; while the work runs a space every
 * `yield_frequency` seconds (the first one an XML declaration when the
 * answer is XML) so that no client or load balancer times out; then the
 * result, after a blank line when anything went before it, in the format
 * the Accept header chose. The real outcome is the body's "Response
 * Status".
 */
import { Readable } from 'node:stream';
import type { Logger } from '../../../common/index.js';
import type { SwiftResponse } from '../../types.js';
import { reasonFor } from '../../response.js';
import { bulkBody, type OutFormat } from '../slo/formats.js';

/** `404 Not Found`: a status as Swift's result bodies write it. */
export const statusLine = (status: number): string => `${status} ${reasonFor(status)}`;

/** What swob's HTTPException is to Swift's bulk: ends the work with this status and body text. */
export class BulkAbort extends Error {
  constructor(readonly status: number, readonly body = '') {
    super(body || statusLine(status));
  }
}

/** The result being built: counters, the response status and body, the failed [quoted name, status] pairs. */
export class BulkResult {
  readonly data: Record<string, string | number>;
  readonly errors: [string, string][] = [];

  constructor(status: number, counters: string[]) {
    this.data = { 'Response Status': statusLine(status), 'Response Body': '' };
    for (const c of counters) this.data[c] = 0;
  }

  count(counter: string): void {
    (this.data[counter] as number)++;
  }

  get(counter: string): number {
    return this.data[counter] as number;
  }

  setStatus(status: number, body?: string): void {
    this.data['Response Status'] = statusLine(status);
    if (body !== undefined) this.data['Response Body'] = body;
  }
}

export interface BulkResponseOptions {
  format: OutFormat | undefined;
  /** Seconds between heartbeats (Swift's yield_frequency). */
  yieldFrequency: number;
  /** The XML root element: `delete`, `extract`. */
  rootTag: string;
  result: BulkResult;
  logger: Logger;
  /** Logged with an unexpected error (Swift: "Error in bulk delete."). */
  what: string;
}

/**
 * The 200 whose body is heartbeats and then the result of `work`. A
 * BulkAbort from `work` becomes the result's status and body; any other
 * error a 500, logged. When the client goes away before the end, `work`'s
 * signal aborts so it starts nothing more.
 */
export function bulkResponse(o: BulkResponseOptions, work: (signal: AbortSignal) => Promise<void>): SwiftResponse {
  const abort = new AbortController();
  let settled = false;
  const done = (async () => {
    try {
      if (!o.format) throw new BulkAbort(406);
      await work(abort.signal);
    } catch (err) {
      if (err instanceof BulkAbort) o.result.setStatus(err.status, err.body);
      else {
        o.logger.error({ err }, o.what);
        o.result.setStatus(500);
      }
    } finally {
      settled = true;
    }
  })();
  async function* chunks(): AsyncGenerator<Buffer> {
    let first = o.format?.endsWith('/xml') ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ' ';
    let separator = '';
    while (!settled) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([done, new Promise((r) => (timer = setTimeout(r, o.yieldFrequency * 1000)))]);
      clearTimeout(timer);
      if (!settled) {
        yield Buffer.from(first);
        first = ' ';
        separator = '\r\n\r\n';
      }
    }
    yield Buffer.from(separator + bulkBody(o.format, o.result.data, o.result.errors, o.rootTag));
  }
  const body = Readable.from(chunks(), { objectMode: false });
  body.once('close', () => {
    if (!settled) abort.abort();
  });
  return { status: 200, headers: { 'content-type': o.format ?? 'text/html; charset=UTF-8' }, body };
}

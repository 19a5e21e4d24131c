/**
 * proxy_logging writes a temp URL's signature only as its first
 * `reveal_sensitive_prefix` characters, as Swift's obscure_sensitive does,
 * so an access log does not hand out working temp URLs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { proxyLogging } from '../../proxy/filters/proxy-logging.js';
import { makeResponse } from '../../proxy/response.js';
import type { PipelineContext, SwiftRequest } from '../../proxy/types.js';

async function logLine(query: string, conf: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
  const ctx: PipelineContext = { logger: pino({}, sink), now: () => 0, registerInfo: () => undefined, info: {} };
  const app = (await proxyLogging(conf, ctx))(async () => makeResponse(200, 'ok'));
  const req: SwiftRequest = { method: 'GET', path: '/v1/AUTH_a/c/o', query, headers: {}, remoteAddr: '127.0.0.1', env: { transId: 'tx' } };
  await app(req);
  await new Promise((r) => setImmediate(r));
  return JSON.parse(lines[0]) as Record<string, unknown>;
}

test('a temp_url_sig is logged as its first 16 characters', async () => {
  const sig = 'a'.repeat(16) + 'b'.repeat(48);
  const line = await logLine(`temp_url_sig=${sig}&temp_url_expires=1700000000&filename=x`);
  assert.equal(line.path, `/v1/AUTH_a/c/o?temp_url_sig=${'a'.repeat(16)}...&temp_url_expires=1700000000&filename=x`);
  assert.doesNotMatch(String(line.path), /b/);
});

test('reveal_sensitive_prefix sets how much shows; other parameters are left as they are', async () => {
  const line = await logLine('temp_url_sig=0123456789abcdef&format=json', { reveal_sensitive_prefix: '4' });
  assert.equal(line.path, '/v1/AUTH_a/c/o?temp_url_sig=0123...&format=json');
  assert.equal((await logLine('format=json&marker=abc')).path, '/v1/AUTH_a/c/o?format=json&marker=abc');
});

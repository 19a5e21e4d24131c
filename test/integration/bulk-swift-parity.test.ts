/**
 * bulk against Swift 2.30's own: the same extract-archive and bulk-delete
 * requests to our proxy and to Debian's swift-proxy-server (both with
 * bulk, over the same storage nodes) get the same status, content type and
 * result body.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tarStream from 'tar-stream';
import { gzipSync } from 'node:zlib';
import { SwiftCluster } from '../helpers/swift-cluster.js';

async function makeTar(members: [string, string][]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const [name, content] of members) pack.entry({ name }, content);
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

describe('bulk answers as Swift 2.30 answers', () => {
  let cluster: SwiftCluster | undefined;
  const bases: Record<'ours' | 'swift', { url: string; token: string }> = { ours: { url: '', token: '' }, swift: { url: '', token: '' } };

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly' });
    const swiftUrl = await cluster.startSwiftProxy('catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempauth copy slo dlo proxy-logging proxy-server');
    bases.swift = { url: swiftUrl, token: await cluster.token() };
    const ours = await cluster.startProxy();
    bases.ours = { url: `http://127.0.0.1:${ours.port}`, token: await cluster.token() };
  });

  after(async () => {
    await cluster?.stop();
  });

  /** The same request to both proxies; `tag` keeps their containers apart (replaced back before comparing). */
  const both = async (method: string, path: (tag: string) => string, body: (tag: string) => string | Buffer | Promise<Buffer>, headers: Record<string, string> = {}) => {
    const out: Record<string, { status: number; type: string | null; body: string }> = {};
    for (const who of ['swift', 'ours'] as const) {
      const { url, token } = bases[who];
      const res = await fetch(`${url}${path(who)}`, { method, body: await body(who), headers: { 'x-auth-token': token, ...headers } });
      out[who] = { status: res.status, type: res.headers.get('content-type'), body: (await res.text()).replaceAll(who, 'TAG') };
    }
    assert.deepEqual(out.ours, out.swift);
    return out.ours;
  };

  it('extracts the same files and reports them the same way, in each format', async () => {
    for (const accept of ['application/json', 'application/xml', 'text/plain', 'image/png', 'garbage', 'application/json;q=0.5, text/xml', '*/*', 'text/*;q=0.9, application/*']) {
      const tag = (who: string) => `${who}${accept.replace(/\W/g, '')}`;
      await both('PUT', () => '/v1/AUTH_test?extract-archive=tar', async (who) => makeTar([[`${tag(who)}/a`, 'a'], [`${tag(who)}/b/c`, 'c'], ['top', 'x']]), { accept });
    }
    await both('PUT', (w) => `/v1/AUTH_test/${w}gz/pre?extract-archive=tar.gz`, async () => gzipSync(await makeTar([['x', 'x']])), { accept: 'application/json' });
  });

  it('refuses bad archives alike', async () => {
    await both('PUT', () => '/v1/AUTH_test?extract-archive=zip', () => 'x');
    await both('PUT', () => '/v1/AUTH_test?extract-archive=tar', () => Buffer.alloc(2048, 'x'), { accept: 'application/json' });
    await both('PUT', () => '/v1/AUTH_test?extract-archive=tar', () => '', { accept: 'application/json' });
    await both('PUT', () => '/v1/AUTH_test?extract-archive=tar.gz', () => Buffer.alloc(2048, 'x'), { accept: 'application/json' });
    await both('PUT', () => '/v1/AUTH_test?extract-archive=tar.bz2', () => Buffer.alloc(2048, 'x'), { accept: 'application/json' });
    await both('PUT', () => '/v1/AUTH_test?extract-archive=tar', async () => makeTar([['top', 'x']]), { accept: 'application/json' });
  });

  it('bulk-deletes alike: found, not found, a full container, refusals', async () => {
    for (const accept of ['application/json', 'application/xml', 'text/plain']) {
      for (const who of ['swift', 'ours']) {
        const { url, token } = bases[who as 'ours'];
        for (const p of [`/v1/AUTH_test/${who}del`, `/v1/AUTH_test/${who}del/o1`, `/v1/AUTH_test/${who}del/o 2`, `/v1/AUTH_test/${who}full`, `/v1/AUTH_test/${who}full/x`]) {
          const r = await fetch(`${url}${p}`, { method: 'PUT', body: p.split('/').length > 4 ? 'x' : undefined, headers: { 'x-auth-token': token } });
          await r.arrayBuffer();
        }
      }
      await both('POST', () => '/v1/AUTH_test?bulk-delete', (w) => `/${w}del/o1\n${w}del/o%202\n/${w}del/nope\n/${w}del\n/${w}full\n\n`, { accept, 'content-type': 'text/plain' });
    }
    await both('POST', () => '/v1/AUTH_test?bulk-delete', () => 'a/b', { accept: 'application/json', 'content-type': 'application/json' });
    await both('DELETE', () => '/v1/AUTH_test?bulk-delete', () => '\n\n', { accept: 'application/json' });
    await both('POST', () => '/v1/AUTH_test?bulk-delete', () => 'c/%FF\n', { accept: 'application/json' });
    await both('POST', () => '/v1/AUTH_test?bulk-delete', () => `c/${'x'.repeat(3000)}`, { accept: 'application/json' });
    await both('POST', () => '/v1?bulk-delete', () => 'c/o', { accept: 'application/json' });
  });
});

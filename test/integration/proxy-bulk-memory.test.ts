/**
 * extract-archive streams: a tar.gz holding one 256 MiB file, generated
 * and gzipped on the fly, expanded by our proxy (its own process, over
 * swiftly's storage servers) keeps the proxy's peak RSS (VmHWM) under
 * 150 MiB, and the object it makes has the file's bytes (MD5 checked).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import tarStream from 'tar-stream';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { authenticate, generatedBody, getHashed } from '../../bench/memory/stream-object.js';
import { RssSampler, MIB } from '../../bench/memory/rss.js';

const SIZE = 256 * MIB;

let cluster: SwiftCluster | undefined;
let proxyPid = 0;
before(async () => {
  cluster = await SwiftCluster.start({ backend: 'swiftly' });
  proxyPid = (await cluster.startProxyProcess()).proc.pid!;
});
after(() => cluster?.stop());

test('a 256 MiB file in a tar.gz is expanded with the proxy under 150 MiB RSS', { timeout: 240_000 }, async () => {
  const c = cluster!;
  const auth = await authenticate(c.authUrl, c.user, c.key);
  const sampler = new RssSampler(proxyPid);
  const { body: file, md5 } = generatedBody(SIZE);
  const pack = tarStream.pack();
  const entry = pack.entry({ name: 'tarred/big', size: SIZE }, (err) => (err ? pack.destroy(err) : pack.finalize()));
  const feeding = pipeline(file, entry as unknown as NodeJS.WritableStream);
  const url = new URL(`${auth.storageUrl}?extract-archive=tar.gz`);
  const answer = await new Promise<string>((resolve, reject) => {
    const req = http.request(url, { method: 'PUT', agent: false, headers: { 'X-Auth-Token': auth.token, 'Transfer-Encoding': 'chunked', Accept: 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (s: string) => (text += s));
      res.on('end', () => resolve(text));
      res.on('error', reject);
    });
    pipeline(Readable.from(pack), createGzip({ level: 1 }), req).catch(reject);
  });
  await feeding;
  sampler.stop();
  const result = JSON.parse(answer) as Record<string, unknown>;
  assert.equal(result['Number Files Created'], 1, answer);
  assert.equal(result['Response Status'], '201 Created');
  const got = await getHashed(auth, 'tarred/big');
  assert.equal(got.length, SIZE);
  assert.equal(got.md5, md5());
  assert.ok(sampler.peak > 0, 'RSS was read');
  assert.ok(sampler.peak < 150 * MIB, `proxy peak RSS ${(sampler.peak / MIB).toFixed(1)} MiB`);
});

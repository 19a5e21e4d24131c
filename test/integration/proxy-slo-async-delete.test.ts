/**
 * slo's `DELETE ?multipart-manifest=delete&async=yes` with
 * allow_async_delete, over swiftly's storage nodes: the manifest goes at
 * once, its segments are queued in `.expiring_objects` and are gone once
 * the container-updater and the object-expirer have run; the refusals
 * Swift gives (segments in two containers, nested manifests); without the
 * option the delete is the synchronous one.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { loadSwiftConf, silentLogger } from '../../common/index.js';
import { createContainerUpdater, ObjectExpirer } from '../../consistency/index.js';

const md5 = (b: string) => createHash('md5').update(b).digest('hex');

/** The daemons of every node that make a queued delete happen: the container-updater reports the queue container, the expirer deletes. */
async function runDaemons(cluster: SwiftCluster) {
  const swiftConf = loadSwiftConf(cluster.swiftDir);
  const confOf = (i: number) => ({
    devices: join(cluster.dir, `node${i}`), mount_check: 'false', swift_dir: cluster.swiftDir,
    recon_cache_path: join(cluster.dir, `recon${i}`), conn_timeout: '0.5', node_timeout: '3', log_level: 'error',
  });
  for (let i = 0; i < 3; i++) {
    const updater = createContainerUpdater({ conf: confOf(i), swiftConf, logger: silentLogger });
    await updater.runOnce(new AbortController().signal);
    await updater.close?.();
  }
  const expirer = new ObjectExpirer({ conf: confOf(0), swiftConf, logger: silentLogger });
  expirer.now = () => Date.now() / 1000 + 1;
  try {
    await expirer.runOnce(new AbortController().signal);
  } finally {
    await expirer.close();
  }
  return expirer.stats;
}

describe('slo async delete through the proxy', () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  let token: string;
  const A = '/v1/AUTH_test';

  const call = async (method: string, path: string, opts: { body?: string; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${base}${path}`, { method, body: opts.body, headers: { 'x-auth-token': token, ...(opts.headers ?? {}) } });
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()).toString() };
  };
  const list = async (container: string) => (await call('GET', `${A}/${container}`)).body.split('\n').filter(Boolean);
  const putSegments = async (container: string, names: string[]) => {
    for (const n of names) assert.equal((await call('PUT', `${A}/${container}/${n}`, { body: `data of ${n}` })).status, 201);
    return names.map((n) => ({ path: `/${container}/${n}`, etag: md5(`data of ${n}`) }));
  };
  const putManifest = async (name: string, entries: unknown[]) => {
    const r = await call('PUT', `${A}/c/${name}?multipart-manifest=put`, { body: JSON.stringify(entries) });
    assert.equal(r.status, 201, r.body);
  };

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy(undefined, undefined, { slo: { allow_async_delete: true } });
    base = `http://127.0.0.1:${proxy.port}`;
    token = await cluster.token();
    for (const c of ['c', 'segs', 'segs2']) assert.equal((await call('PUT', `${A}/${c}`)).status, 201);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('says so in /info', async () => {
    const info = JSON.parse((await call('GET', '/info')).body) as { slo: { allow_async_delete: boolean } };
    assert.equal(info.slo.allow_async_delete, true);
  });

  it('deletes the manifest at once and leaves the segments to the expirer', async () => {
    await putManifest('m', [...await putSegments('segs', ['a', 'b', 'c d']), { data: Buffer.from('inline').toString('base64') }]);
    const del = await call('DELETE', `${A}/c/m?multipart-manifest=delete&async=yes`);
    assert.equal(del.status, 204, del.body);
    assert.equal((await call('HEAD', `${A}/c/m`)).status, 404);
    assert.deepEqual(await list('segs'), ['a', 'b', 'c d']);
    const stats = await runDaemons(cluster!);
    assert.equal(stats.objects, 3);
    assert.deepEqual(await list('segs'), []);
    for (const n of ['a', 'b', 'c%20d']) assert.equal((await call('GET', `${A}/segs/${n}`)).status, 404);
  });

  it('keeps a segment written again after the delete (the queued delete is as of the manifest delete)', async () => {
    await putManifest('m2', await putSegments('segs', ['x', 'y']));
    assert.equal((await call('DELETE', `${A}/c/m2?multipart-manifest=delete&async=yes`)).status, 204);
    assert.equal((await call('PUT', `${A}/segs/y`, { body: 'newer' })).status, 201);
    await runDaemons(cluster!);
    assert.equal((await call('GET', `${A}/segs/x`)).status, 404);
    assert.equal((await call('GET', `${A}/segs/y`)).body, 'newer');
  });

  it('refuses segments in more than one container and nested manifests, as Swift', async () => {
    await putManifest('two', [...await putSegments('segs', ['p']), ...await putSegments('segs2', ['q'])]);
    const two = await call('DELETE', `${A}/c/two?multipart-manifest=delete&async=yes`);
    assert.equal(two.status, 400);
    assert.equal(two.body, 'All segments must be in one container. Found segments in "segs", "segs2"');
    await putManifest('outer', [{ path: '/c/two', etag: null }]);
    const nested = await call('DELETE', `${A}/c/outer?multipart-manifest=delete&async=yes`);
    assert.equal(nested.status, 400);
    assert.equal(nested.body, 'No segments may be large objects.');
    assert.equal((await call('HEAD', `${A}/c/outer`)).status, 200);
    const notSlo = await call('DELETE', `${A}/segs/p?multipart-manifest=delete&async=yes`);
    assert.equal(notSlo.status, 400);
    assert.equal(notSlo.body, 'Not an SLO manifest');
  });

  it('keeps the private UPDATE from clients (gatekeeper strips X-Backend-Allow-Private-Methods)', async () => {
    const { execFile } = await import('node:child_process');
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '-X', 'UPDATE',
      '-H', `X-Auth-Token: ${token}`, '-H', 'X-Backend-Allow-Private-Methods: True', '-H', 'Content-Type: application/json',
      '--data-binary', '[]', `${base}${A}/c`], (err, out) => (err ? reject(err) : resolve({ stdout: out }))));
    assert.equal(stdout, '405');
  });

  it('without async=yes deletes the segments synchronously', async () => {
    await putManifest('sync', await putSegments('segs', ['s1']));
    const del = await call('DELETE', `${A}/c/sync?multipart-manifest=delete`, { headers: { accept: 'application/json' } });
    assert.equal(del.status, 200);
    assert.equal((JSON.parse(del.body) as Record<string, unknown>)['Number Deleted'], 2);
    assert.equal((await call('GET', `${A}/segs/s1`)).status, 404);
  });
});

describe("Swift 2.30's slo queues an async delete that our storage and expirer carry out", () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  let token: string;
  const A = '/v1/AUTH_test';
  const call = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${base}${path}`, { method, body, headers: { 'x-auth-token': token } });
    return { status: res.status, body: await res.text() };
  };

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    base = await cluster.startSwiftProxy(undefined, { slo: { allow_async_delete: true } });
    token = await cluster.token();
  });

  after(async () => {
    await cluster?.stop();
  });

  it('deletes the segments Swift queued', async () => {
    for (const c of ['c', 'segs']) assert.equal((await call('PUT', `${A}/${c}`)).status, 201);
    const entries = [];
    for (const n of ['a', 'b c']) {
      assert.equal((await call('PUT', `${A}/segs/${encodeURIComponent(n)}`, `data of ${n}`)).status, 201);
      entries.push({ path: `/segs/${n}`, etag: md5(`data of ${n}`) });
    }
    assert.equal((await call('PUT', `${A}/c/m?multipart-manifest=put`, JSON.stringify(entries))).status, 201);
    assert.equal((await call('DELETE', `${A}/c/m?multipart-manifest=delete&async=yes`)).status, 204);
    assert.equal((await call('GET', `${A}/segs`)).body, 'a\nb c\n');
    const stats = await runDaemons(cluster!);
    assert.equal(stats.objects, 2);
    assert.equal((await call('GET', `${A}/segs`)).status, 204);
  });
});

describe("our slo's async delete over Swift 2.30's storage servers", () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  let token: string;
  const A = '/v1/AUTH_test';
  const call = async (method: string, path: string, body?: string) => {
    const res = await fetch(`${base}${path}`, { method, body, headers: { 'x-auth-token': token } });
    return { status: res.status, body: await res.text() };
  };

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swift' });
    const proxy = await cluster.startProxy(undefined, undefined, { slo: { allow_async_delete: true } });
    base = `http://127.0.0.1:${proxy.port}`;
    token = await cluster.token();
  });

  after(async () => {
    await cluster?.stop();
  });

  it("queues with Swift's container UPDATE; the expirer deletes on Swift's object servers", async () => {
    for (const c of ['c', 'segs']) assert.equal((await call('PUT', `${A}/${c}`)).status, 201);
    const entries = [];
    for (const n of ['a', 'b']) {
      assert.equal((await call('PUT', `${A}/segs/${n}`, `data of ${n}`)).status, 201);
      entries.push({ path: `/segs/${n}`, etag: md5(`data of ${n}`) });
    }
    assert.equal((await call('PUT', `${A}/c/m?multipart-manifest=put`, JSON.stringify(entries))).status, 201);
    assert.equal((await call('DELETE', `${A}/c/m?multipart-manifest=delete&async=yes`)).status, 204);
    assert.equal((await call('GET', `${A}/segs`)).body, 'a\nb\n');
    const stats = await runDaemons(cluster!);
    assert.equal(stats.objects, 2);
    assert.equal((await call('GET', `${A}/segs/a`)).status, 404);
    assert.equal((await call('GET', `${A}/segs/b`)).status, 404);
  });
});

/**
 * list_endpoints through our proxy over swiftly storage nodes: the nodes'
 * URLs of an account, container and object from the cluster's rings, v1 and
 * v2 bodies byte for byte as Swift's json.dumps writes them, quoted names,
 * list_endpoints_path, and Swift's 400s and 405.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { quotePath } from '../../common/index.js';

const PIPELINE = 'catch_errors gatekeeper healthcheck proxy-logging cache list-endpoints tempauth proxy-server';

describe('list_endpoints', () => {
  let cluster: SwiftCluster | undefined;
  let base = '';
  let custom = '';

  const get = async (url: string, method = 'GET') => {
    const res = await fetch(url, { method });
    return { status: res.status, type: res.headers.get('content-type'), allow: res.headers.get('allow'), text: await res.text() };
  };
  /** What Swift lists: one URL per primary, names quoted. */
  const expected = (kind: 'account' | 'container' | 'object', a: string, c?: string, o?: string) => {
    const { partition, nodes } = cluster!.ring(kind).getNodes(a, c, o);
    const tail = [a, c, o].filter((x) => x !== undefined).map((x) => quotePath(x!)).join('/');
    return nodes.map((n) => `http://${n.ip}:${n.port}/${n.device}/${partition}/${tail}`);
  };
  const pyList = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(', ')}]`;

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    base = `http://127.0.0.1:${(await cluster.startProxy('', PIPELINE)).port}`;
    custom = `http://127.0.0.1:${(await cluster.startProxy('', PIPELINE, { 'list-endpoints': { list_endpoints_path: '/where' } })).port}`;
  });
  after(() => cluster?.stop());

  it('lists the nodes of an account, a container and an object (v1, the default)', async () => {
    const account = await get(`${base}/endpoints/AUTH_test`);
    assert.deepEqual([account.status, account.type, account.text], [200, 'application/json', pyList(expected('account', 'AUTH_test'))]);
    assert.equal((await get(`${base}/endpoints/v1/AUTH_test/c`)).text, pyList(expected('container', 'AUTH_test', 'c')));
    const obj = await get(`${base}/endpoints/AUTH_test/c/dir/o%20bj%C3%A9`);
    assert.equal(obj.text, pyList(expected('object', 'AUTH_test', 'c', 'dir/o bjé')));
    assert.match(obj.text, /\/AUTH_test\/c\/dir\/o%20bj%C3%A9"/);
  });

  it("answers v2 with the object's storage policy to send", async () => {
    const obj = await get(`${base}/endpoints/v2/AUTH_test/c/o`);
    assert.equal(obj.text, `{"endpoints": ${pyList(expected('object', 'AUTH_test', 'c', 'o'))}, "headers": {"X-Backend-Storage-Policy-Index": "0"}}`);
    const container = await get(`${base}/endpoints/v2/AUTH_test/c`);
    assert.equal(container.text, `{"endpoints": ${pyList(expected('container', 'AUTH_test', 'c'))}, "headers": {}}`);
  });

  it("refuses what Swift refuses: no account, an unknown version, a method other than GET", async () => {
    for (const path of ['/endpoints/', '/endpoints/v2', '/endpoints/v2/']) {
      const r = await get(`${base}${path}`);
      assert.deepEqual([r.status, r.text], [400, 'No account specified'], path);
    }
    const v3 = await get(`${base}/endpoints/v3/AUTH_test`);
    assert.deepEqual([v3.status, v3.text], [400, "Unsupported version 'v3'"]);
    const put = await get(`${base}/endpoints/AUTH_test`, 'PUT');
    assert.deepEqual([put.status, put.allow], [405, 'GET']);
  });

  it('answers under list_endpoints_path, and lets other paths by', async () => {
    assert.equal((await get(`${custom}/where/AUTH_test`)).text, pyList(expected('account', 'AUTH_test')));
    // Not an API version: the proxy's 400.
    assert.equal((await get(`${custom}/endpoints/AUTH_test`)).text, '<html><h1>Bad Request</h1><p>The server could not comply with the request since it is either malformed or otherwise incorrect.</p></html>');
    assert.equal((await get(`${base}/v1/AUTH_test`)).status, 401);
  });
});

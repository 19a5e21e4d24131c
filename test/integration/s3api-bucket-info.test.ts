/**
 * s3api reads its buckets' sysmeta (lifecycle, ACLs, versioning) from the
 * proxy's container info, as Swift's s3api does with get_container_info:
 * once that info is cached, S3 object PUTs and GETs send no HEAD of their
 * bucket to the container servers; and a configuration s3api itself
 * changes (lifecycle, versioning, ACLs) holds for the very next request on
 * the same proxy, because the container POST drops the cached info.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { spawn } from 'node:child_process';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { boto3, S3_PIPELINE, S3_VERSIONED_FILTERS, S3_VERSIONED_PIPELINE } from '../helpers/s3-clients.js';

/**
 * Runs `fn` and counts the HEADs of `/<account>/<container>` (the container
 * itself, not an object in it) this process sent to storage nodes meanwhile.
 * Backend HEADs go through node:http (common/backend/backend-client.ts).
 */
async function containerHeadsDuring(account: string, container: string, fn: () => Promise<unknown>): Promise<number> {
  const path = new RegExp(`^/[^/]+/\\d+/${account}/${container}$`);
  let heads = 0;
  const onStart = (msg: unknown): void => {
    const { request } = msg as { request: ClientRequest };
    if (request.method === 'HEAD' && path.test(request.path)) heads++;
  };
  diagnostics.subscribe('http.client.request.start', onStart);
  try {
    await fn();
  } finally {
    diagnostics.unsubscribe('http.client.request.start', onStart);
  }
  return heads;
}

/** curl with no credentials, the bucket named by Host (virtual-hosted style): the status. */
function anonymousStatus(port: number, host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-H', `Host: ${host}`, `http://127.0.0.1:${port}${path}`]);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', () => resolve(out));
  });
}

describe('s3api bucket sysmeta from the container info', () => {
  let cluster: SwiftCluster | undefined;
  let endpoint = '';
  const py = (script: string) => boto3(endpoint, 'test:tester', 'testing', script) as Promise<Record<string, unknown>>;

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy('', S3_VERSIONED_PIPELINE, S3_VERSIONED_FILTERS);
    endpoint = `http://127.0.0.1:${proxy.port}`;
  });

  after(async () => {
    await cluster?.stop();
  });

  it('sends no HEAD of the bucket to the container servers for object PUTs and GETs', async () => {
    await py(String.raw`
s3.create_bucket(Bucket='info')
s3.put_object(Bucket='info', Key='warm', Body=b'x')
print(json.dumps({}))
`);
    let out: Record<string, unknown> = {};
    const heads = await containerHeadsDuring('AUTH_test', 'info', async () => {
      out = await py(String.raw`
r = {}
for i in range(5):
    s3.put_object(Bucket='info', Key='k%d' % i, Body=b'data%d' % i)
r['read'] = [s3.get_object(Bucket='info', Key='k%d' % i)['Body'].read().decode() for i in range(5)]
r['missing'] = code_of(s3.get_object, Bucket='info', Key='nope')
print(json.dumps(r))
`);
    });
    assert.deepEqual(out, { read: ['data0', 'data1', 'data2', 'data3', 'data4'], missing: ['NoSuchKey', 404] });
    assert.equal(heads, 0, 'container HEADs of the bucket sent to storage nodes');
    // A bucket that is not there is still told apart from a missing key.
    assert.deepEqual(await py(String.raw`
r = {'put': code_of(s3.put_object, Bucket='nobucket', Key='k', Body=b'x'), 'get': code_of(s3.get_object, Bucket='nobucket', Key='k')}
print(json.dumps(r))
`), { put: ['NoSuchBucket', 404], get: ['NoSuchBucket', 404] });
  });

  it('applies a lifecycle put (and deleted) just before to the next object PUT', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='life')
s3.put_object(Bucket='life', Key='exp/before', Body=b'x')
r['before'] = 'Expiration' in s3.head_object(Bucket='life', Key='exp/before')
s3.put_bucket_lifecycle_configuration(Bucket='life', LifecycleConfiguration={'Rules': [
    {'ID': 'one-day', 'Status': 'Enabled', 'Filter': {'Prefix': 'exp/'}, 'Expiration': {'Days': 1}}]})
s3.put_object(Bucket='life', Key='exp/after', Body=b'x')
r['after'] = s3.head_object(Bucket='life', Key='exp/after').get('Expiration', '')
s3.delete_bucket_lifecycle(Bucket='life')
s3.put_object(Bucket='life', Key='exp/gone', Body=b'x')
r['gone'] = 'Expiration' in s3.head_object(Bucket='life', Key='exp/gone')
print(json.dumps(r))
`);
    assert.equal(out.before, false);
    assert.match(String(out.after), /rule-id="one-day"/);
    assert.equal(out.gone, false);
    // The object itself carries Swift's X-Delete-At (what the expirer acts on): a day from now, rounded up to midnight.
    const token = await cluster!.token();
    const head = await fetch(`${endpoint}/v1/AUTH_test/life/exp/after`, { method: 'HEAD', headers: { 'x-auth-token': token } });
    const at = Number(head.headers.get('x-delete-at'));
    const day = 86400;
    assert.ok(at > Date.now() / 1000 + day - 60 && at <= Date.now() / 1000 + 2 * day, `X-Delete-At ${head.headers.get('x-delete-at')}`);
    const gone = await fetch(`${endpoint}/v1/AUTH_test/life/exp/gone`, { method: 'HEAD', headers: { 'x-auth-token': token } });
    assert.equal(gone.headers.get('x-delete-at'), null);
  });

  it('makes a delete marker for a missing key right after versioning is enabled', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='vers')
r['before'] = s3.delete_object(Bucket='vers', Key='absent').get('DeleteMarker', False)
s3.put_bucket_versioning(Bucket='vers', VersioningConfiguration={'Status': 'Enabled'})
r['after'] = s3.delete_object(Bucket='vers', Key='absent').get('DeleteMarker', False)
print(json.dumps(r))
`);
    assert.deepEqual(out, { before: false, after: true });
  });
});

const ACL_PRELUDE = String.raw`
t3 = client('test:tester3', 'testing3')
`;

describe('s3api ACLs from the container info', () => {
  let cluster: SwiftCluster | undefined;
  let endpoint = '';
  let port = 0;
  const py = (script: string) => boto3(endpoint, 'test:tester', 'testing', ACL_PRELUDE + script) as Promise<Record<string, unknown>>;

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy('', S3_PIPELINE, {
      s3api: { s3_acl: 'yes', storage_domain: 'example.net' },
      tempauth: { user_test_tester3: 'testing3' },
    });
    endpoint = `http://127.0.0.1:${proxy.port}`;
    port = proxy.port;
  });

  after(async () => {
    await cluster?.stop();
  });

  it("lets another user in and out at once as the bucket's ACL changes", async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='shared')
s3.put_object(Bucket='shared', Key='k', Body=b'x')
r['list_before'] = code_of(t3.list_objects, Bucket='shared')
r['put_before'] = code_of(t3.put_object, Bucket='shared', Key='w', Body=b'x')
s3.put_bucket_acl(Bucket='shared', GrantRead='id=test:tester3', GrantWrite='id=test:tester3')
r['list_granted'] = code_of(t3.list_objects, Bucket='shared')
r['put_granted'] = code_of(t3.put_object, Bucket='shared', Key='w', Body=b'x')
s3.put_bucket_acl(Bucket='shared', ACL='private')
r['list_revoked'] = code_of(t3.list_objects, Bucket='shared')
r['put_revoked'] = code_of(t3.put_object, Bucket='shared', Key='w2', Body=b'x')
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      list_before: ['AccessDenied', 403], put_before: ['AccessDenied', 403],
      list_granted: null, put_granted: null,
      list_revoked: ['AccessDenied', 403], put_revoked: ['AccessDenied', 403],
    });
  });

  it('opens and closes a bucket to anonymous reads at once', async () => {
    const setAcl = (acl: string) => py(String.raw`
s3.put_bucket_acl(Bucket='open', ACL='${acl}')
print(json.dumps({}))
`);
    await py(String.raw`
s3.create_bucket(Bucket='open')
print(json.dumps({}))
`);
    await setAcl('public-read');
    assert.equal(await anonymousStatus(port, 'open.example.net', '/'), '200');
    await setAcl('private');
    assert.equal(await anonymousStatus(port, 'open.example.net', '/'), '403');
    await setAcl('public-read');
    assert.equal(await anonymousStatus(port, 'open.example.net', '/'), '200');
  });
});

/**
 * Header names with separators (`x-amz-meta-"`, `x-amz-meta-(`), which
 * eventlet takes and Node's llhttp refuses: the edge takes them (a fresh
 * connection, a kept-alive one, pipelined behind a body) and sets them
 * aside from the headers passed on, while every framing check stays strict
 * (bare CR/LF, obs-fold, a space before the colon, Content-Length beside
 * Transfer-Encoding, trailers) and nothing sent as a body is ever served as
 * a request. Then S3 through boto3, SigV4 and SigV2: the PUT is signed with
 * those names and HEAD returns the metadata AWS keeps.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { silentLogger } from '../../common/index.js';
import { startEdge, type SwiftRequest } from '../../proxy/index.js';
import { exchange } from '../helpers/raw-http.js';
import { s3ProxyFixture } from '../helpers/s3-proxy-fixture.js';

const SEPARATORS = '"(),/;<=>?@[\\]{}';

describe('header names outside the token set at the edge', () => {
  let edge: Awaited<ReturnType<typeof startEdge>>;
  const seen: string[] = [];
  before(async () => {
    edge = await startEdge(async (req: SwiftRequest) => {
      let size = 0;
      if (req.body) for await (const c of req.body as Readable) size += (c as Buffer).length;
      seen.push(`${req.method} ${req.path}`);
      const body = JSON.stringify({ path: req.path, size, headers: req.headers, aside: req.env.nonTokenHeaders ?? null });
      return { status: 200, headers: { 'content-type': 'application/json', 'x-amz-meta-(': 'kept', 'x-ok': '1' }, body };
    }, { logger: silentLogger, port: 0 });
  });
  after(() => edge.close());

  const weird = [...SEPARATORS].map((c) => `X-Amz-Meta-${c}: ${c}\r\n`).join('');

  it('takes them on a fresh connection, names as sent, set aside from the headers passed on; a response may carry one', async () => {
    const [a] = await exchange(edge.port, `PUT /a HTTP/1.1\r\nHost: x\r\nX-Amz-Meta-Ok: 1\r\n${weird}Content-Length: 3\r\nConnection: close\r\n\r\nabc`);
    assert.equal(a.status, '200 OK');
    const out = JSON.parse(a.body) as { size: number; headers: Record<string, string>; aside: Record<string, string> };
    assert.equal(out.size, 3);
    assert.equal(out.headers['x-amz-meta-ok'], '1');
    assert.deepEqual(out.aside, Object.fromEntries([...SEPARATORS].map((c) => [`x-amz-meta-${c}`, c])));
    for (const k of Object.keys(out.headers)) assert.match(k, /^[!#$%&'*+\-.^_`|~0-9a-z]+$/);
    assert.equal(a.headers['x-amz-meta-('], 'kept');
  });

  it('takes them on a kept-alive connection after a GET and after a body, in separate reads and pipelined behind a body', async () => {
    // A body that reads like a request with such a name, then the real one, in one read.
    const fake = 'GET /smuggled HTTP/1.1\r\nX-A-": 1\r\n\r\n';
    const answers = await exchange(edge.port, [
      'GET /first HTTP/1.1\r\nHost: x\r\n\r\n',
      `PUT /second HTTP/1.1\r\nHost: x\r\n${weird}Content-Length: 2\r\n\r\nab`,
      `PUT /third HTTP/1.1\r\nHost: x\r\nContent-Length: ${fake.length}\r\n\r\n${fake}GET /fourth HTTP/1.1\r\nHost: x\r\n${weird}Connection: close\r\n\r\n`,
    ]);
    assert.deepEqual(answers.map((a) => a.status), ['200 OK', '200 OK', '200 OK', '200 OK']);
    assert.deepEqual(answers.map((a) => (JSON.parse(a.body) as { path: string }).path), ['/first', '/second', '/third', '/fourth']);
    assert.equal((JSON.parse(answers[2].body) as { size: number }).size, fake.length);
    assert.equal(Object.keys((JSON.parse(answers[3].body) as { aside: object }).aside).length, SEPARATORS.length);
    assert.ok(!seen.includes('GET /smuggled'));
  });

  it('refuses a message that began in an earlier read (no start to parse it again from), serving nothing of its bytes', async () => {
    const answers = await exchange(edge.port, [
      'PUT /head-split HTTP/1.1\r\nHost: x\r\nX-A: ',
      'GET /smuggled2 HTTP/1.1\r\nX-B-": 1\r\n\r\n',
    ]);
    assert.deepEqual(answers.map((a) => a.status), ['400 Bad Request']);
    // The body's tail and a request with such a name behind it in one read: the read began mid-body.
    const rest = 'GET /smuggled3 HTTP/1.1\r\nX-C: 1\r\n\r\n';
    const tail = await exchange(edge.port, [
      `PUT /body-split HTTP/1.1\r\nHost: x\r\nContent-Length: ${10 + rest.length}\r\n\r\n0123456789`,
      `${rest}GET /after HTTP/1.1\r\nX-D-": 1\r\n\r\n`,
    ]);
    assert.deepEqual(tail.map((a) => a.status), ['200 OK', '400 Bad Request']);
    assert.ok(!seen.includes('GET /smuggled2') && !seen.includes('GET /smuggled3'));
  });

  for (const [what, head] of [
    ['a bare LF in a name', 'X-A-"\nB: 1\r\n'],
    ['a bare CR in a name', 'X-A-"\rB: 1\r\n'],
    ['a space before the colon', 'X-A-" : 1\r\n'],
    ['obs-fold after such a name', 'X-A-": 1\r\n folded\r\n'],
    ['Content-Length beside Transfer-Encoding', 'X-A-": 1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n'],
    ['two Content-Lengths', 'X-A-": 1\r\nContent-Length: 3\r\nContent-Length: 4\r\n'],
    ['a control byte in such a name', 'X-A-"\x01: 1\r\n'],
  ] as const) {
    it(`still refuses ${what} with 400`, async () => {
      const answers = await exchange(edge.port, `PUT /bad HTTP/1.1\r\nHost: x\r\n${head}\r\nabc`);
      assert.deepEqual(answers.map((a) => a.status), ['400 Bad Request']);
    });
  }

});

describe('S3 user metadata named with separators, as AWS and Swift s3api keep it', () => {
  const s3 = s3ProxyFixture();

  for (const version of ['s3v4', 's3']) {
    it(`PUT with every separator in x-amz-meta- names is signed (${version}); HEAD returns the ones AWS keeps, '(' among them`, async () => {
      const out = await s3.py(String.raw`
c = client(signature_version='${version}', s3={'addressing_style': 'path'})
names = '!"#$%&\'()*+-./<=>?@[\\]^` + '`' + String.raw`{|}~'
def add(request, **kw):
    for ch in names:
        request.headers['x-amz-meta-' + ch] = ch
c.meta.events.register('before-sign.s3.PutObject', add)
bucket = 'weird-${version}'
s3.create_bucket(Bucket=bucket)
r = {'put': c.put_object(Bucket=bucket, Key='object', Body=b'abcdefghij')['ResponseMetadata']['HTTPStatusCode']}
r['meta'] = s3.head_object(Bucket=bucket, Key='object')['Metadata']
s3.put_object(Bucket=bucket, Key='pct', Body=b'x', Metadata={'a%28b': '1', 'c%d': '2'})
r['pct'] = s3.head_object(Bucket=bucket, Key='pct')['Metadata']
print(json.dumps(r))
`);
      assert.equal(out.put, 200);
      assert.deepEqual(out.meta, Object.fromEntries([...'!#$%&\'(*+-.^`|~'].map((c) => [c, c])));
      assert.deepEqual(out.pct, { 'a%28b': '1', 'c%d': '2' });
    });
  }
});

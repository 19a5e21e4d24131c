/**
 * The bulk filter through our proxy over swiftly's storage nodes:
 * extract-archive of real tar, tar.gz and tar.bz2 files (made by the tar
 * CLI and by tar-stream, uploaded with fetch and with curl) and
 * bulk-delete (fetch, and python-swiftclient's `swift delete`, which uses
 * it when /info says so); results in text, JSON and XML; the limits and
 * refusals Swift answers with; heartbeats while an upload is slow.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tarStream from 'tar-stream';
import { SwiftCluster } from '../helpers/swift-cluster.js';

const run = promisify(execFile);
const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');

const PIPELINE = 'catch_errors gatekeeper healthcheck proxy_logging cache listing_formats bulk tempurl tempauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-server';

/** A result body without the heartbeats a slow run sends first (yield_frequency is 1 s here). */
const settled = (body: Buffer) => body.toString().replace(/^(?:<\?xml version="1\.0" encoding="UTF-8"\?>\n)? *\r\n\r\n/, '');

/** A tar made by tar-stream: each [name, content, pax?] in order. */
async function makeTar(members: [string, string | Buffer, Record<string, string>?][]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const c of pack) chunks.push(Buffer.from(c as Uint8Array));
  })();
  for (const [name, content, pax] of members) {
    await new Promise<void>((resolve, reject) => pack.entry({ name, pax }, content, (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

describe('bulk: extract-archive and bulk-delete through the proxy', () => {
  let cluster: SwiftCluster | undefined;
  let base: string;
  let token: string;
  let work: string;
  const A = '/v1/AUTH_test';

  const call = async (method: string, path: string, opts: { body?: string | Buffer | ReadableStream; headers?: Record<string, string> } = {}) => {
    const res = await fetch(`${base}${path}`, {
      method, body: opts.body, headers: { 'x-auth-token': token, ...(opts.headers ?? {}) },
      ...(opts.body instanceof ReadableStream ? { duplex: 'half' } : {}),
    } as RequestInit);
    return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
  };
  const json = async (method: string, path: string, body: string | Buffer | ReadableStream, headers: Record<string, string> = {}) => {
    const r = await call(method, path, { body, headers: { accept: 'application/json', ...headers } });
    assert.equal(r.status, 200, r.body.toString());
    return JSON.parse(r.body.toString()) as Record<string, unknown>;
  };
  const list = async (container: string) => {
    const r = await call('GET', `${A}/${container}`);
    return r.status === 200 ? r.body.toString().split('\n').filter(Boolean) : r.status;
  };

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy('', PIPELINE, { bulk: { max_deletes_per_request: 5, yield_frequency: 1, max_containers_per_extraction: 4, max_failed_deletes: 2, max_failed_extractions: 2 } });
    base = `http://127.0.0.1:${proxy.port}`;
    token = await cluster.token();
    work = mkdtempSync(join(tmpdir(), 'swiftly-bulk-'));
  });

  after(async () => {
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('publishes bulk_upload and bulk_delete in /info with their limits', async () => {
    const info = JSON.parse((await call('GET', '/info')).body.toString()) as Record<string, unknown>;
    assert.deepEqual(info.bulk_upload, { max_containers_per_extraction: 4, max_failed_extractions: 2 });
    assert.deepEqual(info.bulk_delete, { max_deletes_per_request: 5, max_failed_deletes: 2 });
  });

  it('expands a tar made by the tar CLI into the account: containers made, top-level files and directories skipped', async () => {
    const src = join(work, 'tree');
    mkdirSync(join(src, 'photos/2024'), { recursive: true });
    mkdirSync(join(src, 'docs/empty'), { recursive: true });
    writeFileSync(join(src, 'photos/2024/a.jpg'), 'jpeg bytes');
    writeFileSync(join(src, 'docs/readme.txt'), 'read me');
    writeFileSync(join(src, 'top.txt'), 'no container for me');
    const tarFile = join(work, 'tree.tar');
    await run('tar', ['-C', src, '-cf', tarFile, '.']);
    const { stdout } = await run('curl', ['-sS', '-X', 'PUT', '-T', tarFile, '-H', `X-Auth-Token: ${token}`, '-H', 'Accept: application/json', `${base}${A}?extract-archive=tar`]);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(result, { 'Response Status': '201 Created', 'Response Body': '', 'Number Files Created': 2, Errors: [] });
    assert.deepEqual(await list('photos'), ['2024/a.jpg']);
    assert.deepEqual(await list('docs'), ['readme.txt']);
    assert.equal((await call('GET', `${A}/photos/2024/a.jpg`)).body.toString(), 'jpeg bytes');
  });

  it('expands a tar.gz under a container and prefix, with the request metadata and each member pax xattrs', async () => {
    assert.equal((await call('PUT', `${A}/gz`)).status, 201);
    const tar = await makeTar([
      ['one.txt', 'first', { 'SCHILY.xattr.user.mime_type': 'text/x-one', 'SCHILY.xattr.user.meta.color': 'blue' }],
      ['sub/two.bin', Buffer.alloc(100_000, 7)],
      ['atime-only', 'x', { atime: '1700000000.5' }],
      ['empty', ''],
    ]);
    const gz = join(work, 'm.tar.gz');
    writeFileSync(join(work, 'm.tar'), tar);
    await run('gzip', ['-kf', join(work, 'm.tar')]);
    const { stdout } = await run('curl', ['-sS', '-X', 'PUT', '--data-binary', `@${gz}`, '-H', `X-Auth-Token: ${token}`, '-H', 'X-Object-Meta-Batch: 7',
      '-H', 'Accept: application/json', `${base}${A}/gz/pre/?extract-archive=tar.gz`]);
    assert.equal((JSON.parse(stdout) as Record<string, unknown>)['Number Files Created'], 4, stdout);
    assert.deepEqual(await list('gz'), ['pre/atime-only', 'pre/empty', 'pre/one.txt', 'pre/sub/two.bin']);
    assert.equal((await call('GET', `${A}/gz/pre/empty`)).headers.get('content-length'), '0');
    const one = await call('GET', `${A}/gz/pre/one.txt`);
    assert.equal(one.body.toString(), 'first');
    assert.equal(one.headers.get('content-type'), 'text/x-one');
    assert.equal(one.headers.get('x-object-meta-color'), 'blue');
    assert.equal(one.headers.get('x-object-meta-batch'), '7');
    const two = await call('GET', `${A}/gz/pre/sub/two.bin`);
    assert.equal(md5(two.body), md5(Buffer.alloc(100_000, 7)));
    assert.equal((await call('HEAD', `${A}/gz/pre/atime-only`)).headers.get('x-object-meta-atime'), null);
  });

  it('expands a tar.bz2 (tar -j), answering in XML', async () => {
    const src = join(work, 'bz');
    mkdirSync(join(src, 'bz2c'), { recursive: true });
    writeFileSync(join(src, 'bz2c/x'), 'bzipped');
    const file = join(work, 'x.tar.bz2');
    await run('tar', ['-C', src, '-cjf', file, 'bz2c']);
    const r = await call('PUT', `${A}?extract-archive=.tar.bz2.`, { body: readFileSync(file), headers: { accept: 'application/xml' } });
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'application/xml');
    assert.equal(settled(r.body), '<extract>\n<number_files_created>1</number_files_created>\n<response_body></response_body>\n<response_status>201 Created</response_status>\n<errors>\n</errors>\n</extract>\n');
    assert.equal((await call('GET', `${A}/bz2c/x`)).body.toString(), 'bzipped');
  });

  it('refuses what Swift refuses: an unknown format (400), an Accept it cannot meet (406), a broken archive, no files', async () => {
    const bad = await call('PUT', `${A}?extract-archive=zip`, { body: 'x' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.toString(), 'Unsupported archive format');
    const tar = await makeTar([['c406/f', 'x']]);
    const notAcceptable = await call('PUT', `${A}?extract-archive=tar`, { body: tar, headers: { accept: 'image/png' } });
    assert.equal(notAcceptable.status, 200);
    assert.match(notAcceptable.body.toString(), /^Errors:\nResponse Body: \nResponse Status: 406 Not Acceptable\n|Response Status: 406 Not Acceptable/);
    assert.equal(await list('c406'), 404);
    const garbage = await json('PUT', `${A}?extract-archive=tar`, Buffer.alloc(2048, 'x'));
    assert.equal(garbage['Response Status'], '400 Bad Request');
    assert.equal(garbage['Response Body'], 'Invalid Tar File: invalid header');
    const notGz = await json('PUT', `${A}?extract-archive=tar.gz`, tar);
    assert.equal(notGz['Response Body'], 'Invalid Tar File: not a gzip file');
    const notBz = await json('PUT', `${A}?extract-archive=tar.bz2`, tar);
    assert.equal(notBz['Response Body'], 'Invalid Tar File: invalid compressed data');
    const empty = await json('PUT', `${A}?extract-archive=tar`, '');
    assert.equal(empty['Response Status'], '400 Bad Request');
    assert.equal(empty['Response Body'], 'Invalid Tar File: empty file');
    const onlyTop = await json('PUT', `${A}?extract-archive=tar`, await makeTar([['top', 'x']]));
    assert.equal(onlyTop['Response Body'], 'Invalid Tar File: No Valid Files');
  });

  it('reports each file that fails (a quota) and stops at max_containers_per_extraction', async () => {
    assert.equal((await call('PUT', `${A}/quota`, { headers: { 'x-container-meta-quota-bytes': '3' } })).status, 201);
    const r = await json('PUT', `${A}/quota?extract-archive=tar`, await makeTar([['a', '12'], ['b', '12345']]));
    assert.equal(r['Response Status'], '400 Bad Request');
    assert.equal(r['Number Files Created'], 1);
    assert.deepEqual(r.Errors, [['quota/b', '413 Request Entity Too Large']]);
    const many = await json('PUT', `${A}?extract-archive=tar`, await makeTar(['m1', 'm2', 'm3', 'm4', 'm5', 'm6'].map((c) => [`${c}/o`, 'x'] as [string, string])));
    assert.equal(many['Response Status'], '400 Bad Request');
    assert.equal(many['Response Body'], 'More than 4 containers to create from tar.');
    assert.equal(many['Number Files Created'], 4);
  });

  it('stops extracting at max_failed_extractions, and names a member that is not UTF-8 with 412', async () => {
    const r = await json('PUT', `${A}/quota?extract-archive=tar`, await makeTar([['big1', '12345'], ['big2', '12345'], ['big3', '12345']]));
    assert.equal(r['Response Status'], '400 Bad Request');
    assert.deepEqual(r.Errors, [['quota/big1', '413 Request Entity Too Large'], ['quota/big2', '413 Request Entity Too Large']]);
    // A member name that is not UTF-8 (Python's tarfile writes the raw byte).
    const script = "import tarfile,io,sys\nt=tarfile.open(fileobj=sys.stdout.buffer,mode='w|',format=tarfile.GNU_FORMAT,encoding='utf-8',errors='surrogateescape')\ni=tarfile.TarInfo('utf/\\udcff.bin')\ni.size=1\nt.addfile(i,io.BytesIO(b'x'))\nt.close()\n";
    const { stdout: tar } = await run('python3', ['-c', script], { encoding: 'buffer' });
    const bad = await json('PUT', `${A}?extract-archive=tar`, tar);
    assert.equal(bad['Response Status'], '400 Bad Request');
    assert.deepEqual(bad.Errors, [['utf/%FF.bin', '412 Precondition Failed']]);
  });

  it('needs the client credentials for every subrequest: a bad token stops at the first 401', async () => {
    const r = await json('PUT', `${A}?extract-archive=tar`, await makeTar([['noauth/f', 'x'], ['noauth/g', 'y']]), { 'x-auth-token': 'AUTH_tkbogus' });
    assert.equal(r['Response Status'], '401 Unauthorized');
    assert.equal(r['Number Files Created'], 0);
    const d = await json('POST', `${A}?bulk-delete`, 'gz/pre/one.txt\ngz/pre/atime-only\n', { 'x-auth-token': 'AUTH_tkbogus' });
    assert.equal(d['Response Status'], '400 Bad Request');
    assert.deepEqual(d.Errors, [['gz/pre/one.txt', '401 Unauthorized'], ['gz/pre/atime-only', '401 Unauthorized']]);
    assert.equal((await call('HEAD', `${A}/gz/pre/one.txt`)).status, 200);
  });

  it('sends heartbeats while a slow upload is expanded, then the result after a blank line', async () => {
    const tar = await makeTar([['slow/a', 'a'], ['slow/b', 'b']]);
    let sent = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (!sent) {
          sent = true;
          controller.enqueue(tar.subarray(0, 1024));
          return;
        }
        await new Promise((r) => setTimeout(r, 2500));
        controller.enqueue(tar.subarray(1024));
        controller.close();
      },
    });
    const r = await call('PUT', `${A}?extract-archive=tar`, { body, headers: { accept: 'application/xml' } });
    const text = r.body.toString();
    assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n *\r\n\r\n<extract>\n<number_files_created>2<\/number_files_created>/);
  });

  it('bulk-deletes objects, then the containers they emptied, counting what was not there', async () => {
    assert.equal((await call('PUT', `${A}/del`)).status, 201);
    for (const o of ['x', 'y z']) assert.equal((await call('PUT', `${A}/del/${o}`, { body: o })).status, 201);
    const r = await json('DELETE', `${A}?bulk-delete`, '/del\n/del/x\ndel/y%20z\n/del/nope\n', { 'content-type': 'text/plain' });
    assert.deepEqual(r, { 'Response Status': '200 OK', 'Response Body': '', 'Number Deleted': 3, 'Number Not Found': 1, Errors: [] });
    assert.equal(await list('del'), 404);
  });

  it('answers a bulk-delete in plain text and XML, with failures listed', async () => {
    assert.equal((await call('PUT', `${A}/full`)).status, 201);
    assert.equal((await call('PUT', `${A}/full/o`, { body: 'o' })).status, 201);
    const text = await call('POST', `${A}?bulk-delete`, { body: 'full\n\n', headers: { 'content-type': 'text/plain' } });
    assert.equal(settled(text.body), 'Number Deleted: 0\nNumber Not Found: 0\nResponse Body: \nResponse Status: 400 Bad Request\nErrors:\nfull, 409 Conflict\n');
    const xml = await call('POST', `${A}/anything?bulk-delete`, { body: 'full/o', headers: { accept: 'text/xml' } });
    assert.equal(settled(xml.body), '<delete>\n<number_deleted>1</number_deleted>\n<number_not_found>0</number_not_found>\n<response_body></response_body>\n<response_status>200 OK</response_status>\n<errors>\n</errors>\n</delete>\n');
  });

  it('refuses a list too long (413), a content type other than text/plain (406), an empty list (400)', async () => {
    const long = await json('POST', `${A}?bulk-delete`, 'a/1\na/2\na/3\na/4\na/5\na/6\n');
    assert.equal(long['Response Status'], '413 Request Entity Too Large');
    assert.equal(long['Response Body'], 'Maximum Bulk Deletes: 5 per request');
    const ctype = await json('POST', `${A}?bulk-delete`, 'a/1', { 'content-type': 'application/json' });
    assert.equal(ctype['Response Status'], '406 Not Acceptable');
    const empty = await json('POST', `${A}?bulk-delete`, '\n');
    assert.equal(empty['Response Status'], '400 Bad Request');
    assert.equal(empty['Response Body'], 'Invalid bulk delete.');
    const badName = await json('POST', `${A}?bulk-delete`, 'c/%FF');
    assert.deepEqual(badName.Errors, [['c/%FF', '412 Precondition Failed']]);
    const longLine = await json('POST', `${A}?bulk-delete`, `c/${'x'.repeat(3000)}`);
    assert.equal(longLine['Response Status'], '400 Bad Request');
    assert.equal(longLine['Response Body'], 'Invalid File Name');
  });

  it('stops deleting at max_failed_deletes', async () => {
    for (const c of ['f1', 'f2', 'f3']) {
      assert.equal((await call('PUT', `${A}/${c}`)).status, 201);
      assert.equal((await call('PUT', `${A}/${c}/o`, { body: 'o' })).status, 201);
    }
    const r = await json('POST', `${A}?bulk-delete`, 'f1\nf2\nf3\n');
    assert.equal(r['Response Status'], '400 Bad Request');
    assert.equal(r['Response Body'], 'Max delete failures exceeded');
    // The deletes already running when the second failure came (delete_concurrency 2) finish, as in Swift.
    assert.ok((r.Errors as unknown[]).length >= 2, JSON.stringify(r.Errors));
    for (const [, status] of r.Errors as [string, string][]) assert.equal(status, '409 Conflict');
  });

  it('swift delete of a container of many objects goes through bulk-delete', async () => {
    assert.equal((await call('PUT', `${A}/cli`)).status, 201);
    for (let i = 0; i < 12; i++) assert.equal((await call('PUT', `${A}/cli/o${i}`, { body: String(i) })).status, 201);
    const { stdout, stderr } = await run('swift', ['--debug', '-A', cluster!.authUrl, '-U', 'test:tester', '-K', 'testing', 'delete', '--object-threads', '2', 'cli'], {
      env: { ...process.env, PYTHONWARNINGS: 'ignore' },
    });
    assert.match(stderr, /bulk-delete/);
    assert.match(stdout, /o11/);
    assert.equal(await list('cli'), 404);
  });
});

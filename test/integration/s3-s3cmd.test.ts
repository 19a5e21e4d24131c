/**
 * s3cmd (path style, `-c <cfg>`) over one session per signature version
 * (v4, then v2) against `swiftly start`'s cluster: mb, put (multipart with
 * --multipart-chunk-size-mb=5), ls, get, cp, sync, signurl fetched with curl
 * (ranges, conditions, expiry), del, rb, and the errors s3cmd reports.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClient, type ClientRun } from '../helpers/s3-clients.js';
import { startS3Cluster, type S3Cluster } from '../helpers/s3-cluster.js';

describe('s3cmd sessions against swiftly start', { concurrency: true }, () => {
  let cluster: S3Cluster | undefined;

  before(async () => {
    cluster = await startS3Cluster();
  });

  after(async () => {
    await cluster?.stop();
  });

  function s3cmdFor(sigV2: boolean, key?: { access: string; secret: string }): (args: string[]) => Promise<ClientRun> {
    const c = cluster!;
    const host = c.endpoint.replace(/^http:\/\//, '');
    const cfg = join(c.work, `s3cfg-${sigV2 ? 'v2' : 'v4'}-${key?.access ?? 'admin'}`.replace(/:/g, '_'));
    writeFileSync(cfg, [
      '[default]',
      `access_key = ${key?.access ?? c.accessKey}`,
      `secret_key = ${key?.secret ?? c.secretKey}`,
      `host_base = ${host}`,
      `host_bucket = ${host}`,
      'use_https = False',
      `signature_v2 = ${sigV2 ? 'True' : 'False'}`,
      'bucket_location = us-east-1',
      '',
    ].join('\n'));
    return (args) => runClient('s3cmd', ['-c', cfg, '--no-progress', ...args]);
  }

  // Each s3cmd run costs a Python start: the v4 session has every step, the v2 one the signing-sensitive ones.
  for (const [sigV2, full] of [[false, true], [true, false]]) {
    const name = `s3cmd-${sigV2 ? 'v2' : 'v4'}`;
    it(`runs a ${full ? 'whole' : 'short'} session with signature ${sigV2 ? 'v2' : 'v4'}`, async () => {
      const s3cmd = s3cmdFor(sigV2);
      const ok = async (args: string[]): Promise<string> => {
        const r = await s3cmd(args);
        assert.equal(r.code, 0, `s3cmd ${args.join(' ')}:\n${r.stderr}`);
        return r.stdout;
      };
      const fails = async (args: string[], code: RegExp): Promise<void> => {
        const r = await s3cmd(args);
        assert.notEqual(r.code, 0, `s3cmd ${args.join(' ')} succeeded`);
        assert.match(r.stderr, code);
      };
      const dir = join(cluster!.work, name);
      mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
      const big = randomBytes(12 * 1024 * 1024 + 3);
      writeFileSync(join(dir, 'big'), big);
      writeFileSync(join(dir, 'small.txt'), 'small and plain\n');
      writeFileSync(join(dir, 'tree', 'one'), '1');
      writeFileSync(join(dir, 'tree', 'sub', 'two'), '22');

      assert.match(await ok(['mb', `s3://${name}`]), /created/);
      await ok(['put', join(dir, 'small.txt'), `s3://${name}/small.txt`, '--add-header=x-amz-meta-color:blue', '--mime-type=text/x-small']);
      await ok(['put', join(dir, 'big'), `s3://${name}/big`, '--multipart-chunk-size-mb=5']);
      const listed = await ok(['ls', `s3://${name}`]);
      assert.match(listed, new RegExp(`\\s${big.length}\\s+s3://${name}/big$`, 'm'));
      assert.match(listed, new RegExp(`\\s16\\s+s3://${name}/small.txt$`, 'm'));
      // the upload went in three parts: the object's ETag is the <md5 of the part md5s>-3
      const md5 = (b: Buffer): Buffer => createHash('md5').update(b).digest();
      const mpuEtag = `"${md5(Buffer.concat([big.subarray(0, 5 << 20), big.subarray(5 << 20, 10 << 20), big.subarray(10 << 20)].map(md5))).toString('hex')}-3"`;
      const bigUrl = (await ok(['signurl', `s3://${name}/big`, '+600'])).trim();
      const head = await runClient('curl', ['-sS', '-r', '0-0', '-D', '-', '-o', '/dev/null', bigUrl]);
      assert.match(head.stdout, new RegExp(`^etag: ${mpuEtag}\r$`, 'mi'));

      await ok(['get', `s3://${name}/big`, join(dir, 'big.back')]);
      assert.ok(readFileSync(join(dir, 'big.back')).equals(big));
      if (full) {
        await ok(['cp', `s3://${name}/small.txt`, `s3://${name}/copied.txt`]);
        // the copy keeps the put's content type and metadata
        const info = await ok(['info', `s3://${name}/copied.txt`]);
        assert.match(info, /File size:\s+16\b/);
        assert.match(info, /MIME type:\s+text\/x-small/);
        assert.match(info, /x-amz-meta-color: blue/);
        await ok(['sync', `${join(dir, 'tree')}/`, `s3://${name}/tree/`]);
        assert.deepEqual(
          (await ok(['ls', '-r', `s3://${name}/tree/`])).trim().split('\n').map((l) => l.split(/\s+/).pop()),
          [`s3://${name}/tree/one`, `s3://${name}/tree/sub/two`],
        );
      }

      // the presigned URL (query-string v2 auth) takes ranges and conditions
      const curl = (...args: string[]): Promise<ClientRun> => runClient('curl', ['-sS', '-w', '\n%{http_code}', ...args, bigUrl]);
      const fetched = join(dir, 'fetched');
      assert.equal((await curl('-o', fetched)).stdout, '\n200');
      assert.ok(readFileSync(fetched).equals(big));
      assert.equal((await curl('-r', '1000-1999', '-o', fetched)).stdout, '\n206');
      assert.ok(readFileSync(fetched).equals(big.subarray(1000, 2000)));
      if (full) {
        assert.match((await curl('-r', '99999999-')).stdout, /<Code>InvalidRange<\/Code>[^]*\n416$/);
        assert.match((await curl('-H', 'If-Match: "nope"')).stdout, /<Code>PreconditionFailed<\/Code>[^]*\n412$/);
        const expired = (await ok(['signurl', `s3://${name}/small.txt`, String(Math.floor(Date.now() / 1000) - 60)])).trim();
        assert.match((await runClient('curl', ['-sS', '-w', '\n%{http_code}', expired])).stdout, /<Code>AccessDenied<\/Code>[^]*\n403$/);
      }

      // the errors s3cmd reports
      await fails(['rb', `s3://${name}`], /BucketNotEmpty/);
      await fails(['ls', `s3://${name}`, '--secret_key=wrong'], /SignatureDoesNotMatch/);
      if (full) {
        await fails(['get', `s3://${name}/nothing`, join(dir, 'nothing')], /does not exist/);
        await fails(['ls', `s3://${name}-none`], /NoSuchBucket/);
        const other = s3cmdFor(sigV2, { access: cluster!.otherAccessKey, secret: cluster!.otherSecretKey });
        const denied = await other(['ls', `s3://${name}`]);
        assert.notEqual(denied.code, 0);
        assert.match(denied.stderr, /AccessDenied/);
      }

      await ok(['del', '-r', '--force', `s3://${name}/`]);
      assert.match(await ok(['rb', `s3://${name}`]), /removed/);
    });
  }
});

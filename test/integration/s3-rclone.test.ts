/**
 * rclone's S3 backend (provider Other, path style, a remote configured from
 * the environment) over one session against `swiftly start`'s cluster:
 * mkdir, copy (a file above the upload cutoff goes multipart), ls / lsf with
 * paged listings, cat, check, sync, link (a presigned URL fetched with curl),
 * delete, rmdir, purge, and the errors rclone reports.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runClient, type ClientRun } from '../helpers/s3-clients.js';
import { startS3Cluster, type S3Cluster } from '../helpers/s3-cluster.js';

describe('rclone session against swiftly start', { concurrency: true }, () => {
  let cluster: S3Cluster | undefined;
  const rclone = (args: string[], key?: { access: string; secret: string }, input?: string): Promise<ClientRun> => {
    const c = cluster!;
    return runClient('rclone', ['--retries', '1', '--low-level-retries', '1', '--s3-list-chunk', '2', ...args], {
      RCLONE_CONFIG: '/dev/null',
      // rclone's AWS SDK can't take a custom CA bundle on its transport; the endpoint is plain HTTP anyway.
      AWS_CA_BUNDLE: '',
      RCLONE_CONFIG_S_TYPE: 's3',
      RCLONE_CONFIG_S_PROVIDER: 'Other',
      RCLONE_CONFIG_S_ENDPOINT: c.endpoint,
      RCLONE_CONFIG_S_ACCESS_KEY_ID: key?.access ?? c.accessKey,
      RCLONE_CONFIG_S_SECRET_ACCESS_KEY: key?.secret ?? c.secretKey,
      RCLONE_CONFIG_S_FORCE_PATH_STYLE: 'true',
      RCLONE_CONFIG_S_REGION: 'us-east-1',
      // rclone's smallest: a file above 5 MiB goes multipart, in 5 MiB parts.
      RCLONE_CONFIG_S_UPLOAD_CUTOFF: '5M',
      RCLONE_CONFIG_S_CHUNK_SIZE: '5M',
    }, input);
  };
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await rclone(args, undefined, input);
    assert.equal(r.code, 0, `rclone ${args.join(' ')}:\n${r.stderr}`);
    return r.stdout;
  };

  before(async () => {
    cluster = await startS3Cluster();
  });

  after(async () => {
    await cluster?.stop();
  });

  it('copies, lists, reads, checks, syncs, links and deletes', async () => {
    const src = join(cluster!.work, 'src');
    mkdirSync(join(src, 'sub'), { recursive: true });
    const big = randomBytes(11 * 1024 * 1024 + 5);
    writeFileSync(join(src, 'big.bin'), big);
    writeFileSync(join(src, 'a.txt'), 'alpha\n');
    writeFileSync(join(src, 'b c.txt'), 'bravo charlie\n');
    writeFileSync(join(src, 'sub', 'd.txt'), 'delta\n');

    await ok(['mkdir', 's:rclone-data']);
    await ok(['copy', src, 's:rclone-data/data']);
    // --s3-list-chunk 2: every listing below comes in pages of two keys.
    assert.deepEqual((await ok(['lsf', '-R', 's:rclone-data/data'])).trim().split('\n').sort(), ['a.txt', 'b c.txt', 'big.bin', 'sub/', 'sub/d.txt']);
    assert.match(await ok(['ls', 's:rclone-data']), new RegExp(`^\\s*${big.length} data/big\\.bin$`, 'm'));
    assert.equal(await ok(['cat', 's:rclone-data/data/b c.txt']), 'bravo charlie\n');
    assert.equal(await ok(['cat', '--offset', '2', '--count', '3', 's:rclone-data/data/a.txt']), 'pha');
    // the multipart object reads back whole, and check compares every file's size and MD5
    const back = join(cluster!.work, 'back');
    await ok(['copy', 's:rclone-data/data/big.bin', back]);
    assert.ok(readFileSync(join(back, 'big.bin')).equals(big));
    await ok(['check', src, 's:rclone-data/data']);
    const lsl = await ok(['lsjson', '--hash', 's:rclone-data/data/big.bin']);
    assert.equal((JSON.parse(lsl) as { Size: number }[])[0].Size, big.length);

    // sync: a changed file, a new one, a removed one
    writeFileSync(join(src, 'a.txt'), 'alpha two\n');
    writeFileSync(join(src, 'e.txt'), 'echo\n');
    rmSync(join(src, 'sub'), { recursive: true });
    await ok(['sync', src, 's:rclone-data/data']);
    assert.deepEqual((await ok(['lsf', '-R', 's:rclone-data/data'])).trim().split('\n'), ['a.txt', 'b c.txt', 'big.bin', 'e.txt']);
    assert.equal(await ok(['cat', 's:rclone-data/data/a.txt']), 'alpha two\n');
    await ok(['check', src, 's:rclone-data/data']);

    // link: a presigned GET URL that curl fetches without credentials
    const url = (await ok(['link', '--expire', '1h', 's:rclone-data/data/e.txt'])).trim();
    const fetched = await runClient('curl', ['-sS', '-f', url]);
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.equal(fetched.stdout, 'echo\n');

    await ok(['delete', 's:rclone-data/data/e.txt']);
    assert.deepEqual((await ok(['lsf', 's:rclone-data/data'])).trim().split('\n'), ['a.txt', 'b c.txt', 'big.bin']);
    await ok(['purge', 's:rclone-data']);
    assert.doesNotMatch(await ok(['lsd', 's:']), /\brclone-data\b/);
  });

  it('reports the errors S3 answers: missing key and bucket, bucket not empty, bad signature, access denied', async () => {
    await ok(['mkdir', 's:errs']);
    await ok(['touch', 's:errs/k']);
    const missingKey = await rclone(['link', 's:errs/nothing']);
    assert.notEqual(missingKey.code, 0);
    assert.match(missingKey.stderr, /not found/i);
    const missingBucket = await rclone(['lsf', 's:no-such-bucket']);
    assert.notEqual(missingBucket.code, 0);
    assert.match(missingBucket.stderr, /directory not found/i);
    const notEmpty = await rclone(['rmdir', 's:errs']);
    assert.notEqual(notEmpty.code, 0);
    assert.match(notEmpty.stderr, /BucketNotEmpty/);
    const badSecret = await rclone(['lsf', 's:errs'], { access: cluster!.accessKey, secret: 'wrong' });
    assert.notEqual(badSecret.code, 0);
    assert.match(badSecret.stderr, /SignatureDoesNotMatch/);
    const denied = await rclone(['lsf', 's:errs'], { access: cluster!.otherAccessKey, secret: cluster!.otherSecretKey });
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /AccessDenied/);
    await ok(['delete', 's:errs/k']);
    await ok(['rmdir', 's:errs']);
  });

  it('turns bucket versioning on and lists, reads and keeps old versions', async () => {
    await ok(['mkdir', 's:rclone-versions']);
    assert.equal((await ok(['backend', 'versioning', 's:rclone-versions'])).trim(), 'Unversioned');
    assert.equal((await ok(['backend', 'versioning', 's:rclone-versions', 'Enabled'])).trim(), 'Enabled');
    await ok(['rcat', 's:rclone-versions/f'], 'one\n');
    await ok(['rcat', 's:rclone-versions/f'], 'two\n');
    assert.equal(await ok(['cat', 's:rclone-versions/f']), 'two\n');
    // --s3-versions: the old version shows as f-v<its time>, readable by that name
    const versions = (await ok(['lsf', '--s3-versions', 's:rclone-versions'])).trim().split('\n').sort();
    assert.equal(versions.length, 2);
    assert.equal(versions[0], 'f');
    assert.match(versions[1], /^f-v\d{4}-\d\d-\d\d-\d{6}-\d{3}$/);
    assert.equal(await ok(['cat', '--s3-versions', `s:rclone-versions/${versions[1]}`]), 'one\n');
    // a delete leaves a marker: the key is gone, both versions stay
    await ok(['delete', 's:rclone-versions/f']);
    assert.equal((await ok(['lsf', 's:rclone-versions'])).trim(), '');
    assert.equal((await ok(['lsf', '--s3-versions', 's:rclone-versions'])).trim().split('\n').length, 2);
    assert.equal((await ok(['backend', 'versioning', 's:rclone-versions', 'Suspended'])).trim(), 'Suspended');
  });
});

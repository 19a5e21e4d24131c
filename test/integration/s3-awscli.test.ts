/**
 * aws-cli (s3 and s3api) over one session against `swiftly start`'s cluster:
 * mb, cp of a file large enough to go multipart (up and down), sync, ls,
 * paged list-objects-v2, presign fetched with curl, bucket versioning, rm,
 * rb, and the error codes clients branch on.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { awsCli, runClient, type ClientRun } from '../helpers/s3-clients.js';
import { startS3Cluster, type S3Cluster } from '../helpers/s3-cluster.js';

describe('aws-cli session against swiftly start', { concurrency: true }, () => {
  let cluster: S3Cluster | undefined;
  const aws = (args: string[], key?: { access: string; secret: string }): Promise<ClientRun> =>
    awsCli(cluster!.endpoint, key?.access ?? cluster!.accessKey, key?.secret ?? cluster!.secretKey, args);
  const ok = async (args: string[]): Promise<string> => {
    const r = await aws(args);
    assert.equal(r.code, 0, `aws ${args.join(' ')}:\n${r.stderr}`);
    return r.stdout;
  };
  const json = async <T>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '--output', 'json'])) as T;
  /** The error code aws-cli reports, as `(Code)` in its message. */
  const errorOf = async (args: string[], key?: { access: string; secret: string }): Promise<string> => {
    const r = await aws(args, key);
    assert.notEqual(r.code, 0, `aws ${args.join(' ')} succeeded`);
    return /\((\w+)\)/.exec(r.stderr)?.[1] ?? r.stderr;
  };

  before(async () => {
    cluster = await startS3Cluster();
  });

  after(async () => {
    await cluster?.stop();
  });

  it('copies (multipart both ways), syncs, lists in pages, presigns and removes', async () => {
    const dir = join(cluster!.work, 'awscli');
    mkdirSync(join(dir, 'tree', 'sub'), { recursive: true });
    // above aws-cli's 8 MiB multipart_threshold: two parts up, ranged GETs down
    const big = randomBytes(9 * 1024 * 1024);
    writeFileSync(join(dir, 'big'), big);
    for (const [name, body] of [['a', 'alpha'], ['b', 'bravo'], ['sub/c', 'charlie'], ['sub/d', 'delta']]) writeFileSync(join(dir, 'tree', name), body);

    assert.match(await ok(['s3', 'mb', 's3://awscli']), /make_bucket: awscli/);
    await ok(['s3', 'cp', join(dir, 'big'), 's3://awscli/big']);
    await ok(['s3', 'cp', 's3://awscli/big', join(dir, 'big.back')]);
    assert.ok(readFileSync(join(dir, 'big.back')).equals(big));

    assert.match(await ok(['s3', 'sync', join(dir, 'tree'), 's3://awscli/tree']), /upload: .*s3:\/\/awscli\/tree\/sub\/d/);
    const ls = await ok(['s3', 'ls', '--recursive', 's3://awscli']);
    assert.deepEqual(ls.trim().split('\n').map((l) => l.split(/\s+/).pop()), ['big', 'tree/a', 'tree/b', 'tree/sub/c', 'tree/sub/d']);

    // pages of two keys, three items, then on from the token aws-cli hands out
    type Page = { Contents: { Key: string; ETag: string; Size: number }[]; NextToken?: string };
    const first = await json<Page>(['s3api', 'list-objects-v2', '--bucket', 'awscli', '--page-size', '2', '--max-items', '3']);
    assert.deepEqual(first.Contents.map((o) => o.Key), ['big', 'tree/a', 'tree/b']);
    // the upload went in two parts
    assert.match(first.Contents[0].ETag, /^"[0-9a-f]{32}-2"$/);
    assert.equal(first.Contents[0].Size, big.length);
    assert.ok(first.NextToken);
    const rest = await json<Page>(['s3api', 'list-objects-v2', '--bucket', 'awscli', '--page-size', '2', '--starting-token', first.NextToken]);
    assert.deepEqual(rest.Contents.map((o) => o.Key), ['tree/sub/c', 'tree/sub/d']);

    const url = (await ok(['s3', 'presign', 's3://awscli/tree/sub/c', '--expires-in', '600'])).trim();
    const fetched = await runClient('curl', ['-sS', '-f', url]);
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.equal(fetched.stdout, 'charlie');

    assert.match(await ok(['s3', 'rm', '--recursive', 's3://awscli/tree']), /delete: s3:\/\/awscli\/tree\/sub\/d/);
    assert.match(await ok(['s3', 'rb', '--force', 's3://awscli']), /remove_bucket: awscli/);
  });

  it('answers the error codes clients branch on', async () => {
    await ok(['s3api', 'create-bucket', '--bucket', 'awscli-errors']);
    const body = join(cluster!.work, 'hello');
    writeFileSync(body, 'hello');
    await ok(['s3api', 'put-object', '--bucket', 'awscli-errors', '--key', 'k', '--body', body]);
    const other = { access: cluster!.otherAccessKey, secret: cluster!.otherSecretKey };
    const out = '/dev/null';
    const codes = await Promise.all([
      errorOf(['s3api', 'get-object', '--bucket', 'awscli-errors', '--key', 'missing', out]),
      errorOf(['s3api', 'list-objects-v2', '--bucket', 'awscli-missing']),
      errorOf(['s3api', 'delete-bucket', '--bucket', 'awscli-errors']),
      errorOf(['s3api', 'get-object', '--bucket', 'awscli-errors', '--key', 'k', '--range', 'bytes=5-', out]),
      errorOf(['s3api', 'get-object', '--bucket', 'awscli-errors', '--key', 'k', '--if-match', '"nope"', out]),
      errorOf(['s3api', 'list-objects-v2', '--bucket', 'awscli-errors'], { access: cluster!.accessKey, secret: 'wrong' }),
      errorOf(['s3api', 'list-objects-v2', '--bucket', 'awscli-errors'], other),
    ]);
    assert.deepEqual(codes, ['NoSuchKey', 'NoSuchBucket', 'BucketNotEmpty', 'InvalidRange', 'PreconditionFailed', 'SignatureDoesNotMatch', 'AccessDenied']);
  });

  it('versions a bucket: put-bucket-versioning, list-object-versions, get by version, delete markers', async () => {
    await ok(['s3api', 'create-bucket', '--bucket', 'awscli-versions']);
    await ok(['s3api', 'put-bucket-versioning', '--bucket', 'awscli-versions', '--versioning-configuration', 'Status=Enabled']);
    assert.equal((await json<{ Status: string }>(['s3api', 'get-bucket-versioning', '--bucket', 'awscli-versions'])).Status, 'Enabled');
    const dir = join(cluster!.work, 'awscli-versions');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'one'), 'one');
    writeFileSync(join(dir, 'two'), 'two');
    const v1 = (await json<{ VersionId: string }>(['s3api', 'put-object', '--bucket', 'awscli-versions', '--key', 'f', '--body', join(dir, 'one')])).VersionId;
    await ok(['s3', 'cp', join(dir, 'two'), 's3://awscli-versions/f']);
    await ok(['s3', 'rm', 's3://awscli-versions/f']);
    type Versions = { Versions: { Key: string; VersionId: string; IsLatest: boolean }[]; DeleteMarkers: { Key: string; IsLatest: boolean }[] };
    const listed = await json<Versions>(['s3api', 'list-object-versions', '--bucket', 'awscli-versions']);
    assert.equal(listed.Versions.length, 2);
    assert.ok(listed.Versions.every((v) => v.Key === 'f' && !v.IsLatest));
    assert.equal(listed.Versions[1].VersionId, v1);
    assert.deepEqual(listed.DeleteMarkers.map((m) => [m.Key, m.IsLatest]), [['f', true]]);
    await ok(['s3api', 'get-object', '--bucket', 'awscli-versions', '--key', 'f', '--version-id', v1, join(dir, 'got')]);
    assert.equal(readFileSync(join(dir, 'got'), 'utf8'), 'one');
  });
});

/**
 * Multipart uploads through s3api (parts as segments in `<bucket>+segments`,
 * completed as an SLO), driven by boto3 and by aws-cli's `aws s3 cp` of a
 * file large enough to go multipart.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { awsCli, boto3, S3_PIPELINE } from '../helpers/s3-clients.js';

describe('s3api multipart uploads', () => {
  let cluster: SwiftCluster | undefined;
  let endpoint: string;
  let work: string;
  const py = (script: string) => boto3(endpoint, 'test:tester', 'testing', script) as Promise<Record<string, unknown>>;

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy('', S3_PIPELINE, { s3api: { s3_acl: 'yes' } });
    endpoint = `http://127.0.0.1:${proxy.port}`;
    work = mkdtempSync(join(tmpdir(), 's3api-mpu-'));
  });

  after(async () => {
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('creates, uploads, lists, completes (the <md5>-N ETag) and aborts uploads; checks parts', async () => {
    const out = await py(String.raw`
import hashlib
r = {}
s3.create_bucket(Bucket='mpu')
MB = 1024 * 1024
p1, p2, p3 = b'a' * (5 * MB), b'b' * (5 * MB), b'c' * 1000
up = s3.create_multipart_upload(Bucket='mpu', Key='big', ContentType='text/x-big', Metadata={'k': 'v'})
uid = up['UploadId']
e1 = s3.upload_part(Bucket='mpu', Key='big', UploadId=uid, PartNumber=1, Body=p1)['ETag']
e3 = s3.upload_part(Bucket='mpu', Key='big', UploadId=uid, PartNumber=3, Body=p3)['ETag']
s3.put_object(Bucket='mpu', Key='src', Body=b'0123456789' * (MB // 2))
e2 = s3.upload_part_copy(Bucket='mpu', Key='big', UploadId=uid, PartNumber=2, CopySource='mpu/src', CopySourceRange='bytes=0-%d' % (5 * MB - 1))['CopyPartResult']['ETag']
p2 = (b'0123456789' * (MB // 2))[:5 * MB]
r['part2_etag'] = e2 == '"%s"' % hashlib.md5(p2).hexdigest()
r['uploads'] = [[u['Key'], u['UploadId'] == uid] for u in s3.list_multipart_uploads(Bucket='mpu')['Uploads']]
parts = s3.list_parts(Bucket='mpu', Key='big', UploadId=uid)
r['parts'] = [[p['PartNumber'], p['Size']] for p in parts['Parts']]
r['paged'] = [p['PartNumber'] for p in s3.list_parts(Bucket='mpu', Key='big', UploadId=uid, MaxParts=1, PartNumberMarker=1)['Parts']]
r['bad_part_number'] = code_of(s3.upload_part, Bucket='mpu', Key='big', UploadId=uid, PartNumber=0, Body=b'x')
r['no_upload'] = code_of(s3.upload_part, Bucket='mpu', Key='big', UploadId='nope', PartNumber=1, Body=b'x')
r['order'] = code_of(s3.complete_multipart_upload, Bucket='mpu', Key='big', UploadId=uid, MultipartUpload={'Parts': [{'PartNumber': 2, 'ETag': e2}, {'PartNumber': 1, 'ETag': e1}]})
r['invalid_part'] = code_of(s3.complete_multipart_upload, Bucket='mpu', Key='big', UploadId=uid, MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': '"%s"' % ('0' * 32)}]})
e4 = s3.upload_part(Bucket='mpu', Key='big', UploadId=uid, PartNumber=4, Body=b'unused part')['ETag']
r['too_small'] = code_of(s3.complete_multipart_upload, Bucket='mpu', Key='big', UploadId=uid, MultipartUpload={'Parts': [{'PartNumber': 3, 'ETag': e3}, {'PartNumber': 4, 'ETag': e4}]})
done = s3.complete_multipart_upload(Bucket='mpu', Key='big', UploadId=uid, MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': e1}, {'PartNumber': 2, 'ETag': e2}, {'PartNumber': 3, 'ETag': e3}]})
want = '"%s-3"' % hashlib.md5(b''.join(hashlib.md5(p).digest() for p in (p1, p2, p3))).hexdigest()
r['etag'] = done['ETag'] == want
g = s3.get_object(Bucket='mpu', Key='big')
body = g['Body'].read()
r['get'] = [body == p1 + p2 + p3, g['ETag'] == want, g['ContentType'], g['Metadata']]
# Conditionals compare the <md5>-N ETag, ranged or not (aws s3 cp's ranged GETs send If-Match).
rg = s3.get_object(Bucket='mpu', Key='big', IfMatch=want, Range='bytes=0-9')
r['if_match'] = [rg['ResponseMetadata']['HTTPStatusCode'], rg['Body'].read() == p1[:10], code_of(s3.get_object, Bucket='mpu', Key='big', IfNoneMatch=want)]
r['listed'] = [[o['Key'], o['ETag'] == want, o['Size']] for o in s3.list_objects_v2(Bucket='mpu', Prefix='big')['Contents']]
r['uploads_after'] = len(s3.list_multipart_uploads(Bucket='mpu').get('Uploads', []))
ab = s3.create_multipart_upload(Bucket='mpu', Key='gone')['UploadId']
s3.upload_part(Bucket='mpu', Key='gone', UploadId=ab, PartNumber=1, Body=b'x')
r['abort'] = s3.abort_multipart_upload(Bucket='mpu', Key='gone', UploadId=ab)['ResponseMetadata']['HTTPStatusCode']
r['aborted'] = code_of(s3.list_parts, Bucket='mpu', Key='gone', UploadId=ab)
s3.delete_object(Bucket='mpu', Key='big')
s3.delete_object(Bucket='mpu', Key='src')
import time
# Listings follow deletes once the container updates land (they may go through async_pending).
for _ in range(50):
    r['left'] = [o['Key'] for o in s3.list_objects(Bucket='mpu').get('Contents', [])]
    if not r['left']: break
    time.sleep(0.2)
r['bucket_delete'] = code_of(s3.delete_bucket, Bucket='mpu')
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      part2_etag: true,
      uploads: [['big', true]],
      parts: [[1, 5242880], [2, 5242880], [3, 1000]],
      paged: [2],
      bad_part_number: ['InvalidArgument', 400],
      no_upload: ['NoSuchUpload', 404],
      order: ['InvalidPartOrder', 400],
      invalid_part: ['InvalidPart', 400],
      too_small: ['EntityTooSmall', 400],
      etag: true,
      get: [true, true, 'text/x-big', { k: 'v' }],
      if_match: [206, true, ['304', 304]],
      listed: [['big', true, 10486760]],
      uploads_after: 0,
      abort: 204,
      aborted: ['NoSuchUpload', 404],
      left: [],
      bucket_delete: null,
    });
  });

  it('aws s3 cp uploads a large file multipart and downloads it whole', async () => {
    const data = randomBytes(20 * 1024 * 1024 + 123);
    const src = join(work, 'big.bin');
    writeFileSync(src, data);
    const mb = await awsCli(endpoint, 'test:tester', 'testing', ['s3', 'mb', 's3://cli']);
    assert.equal(mb.code, 0, mb.stderr);
    const up = await awsCli(endpoint, 'test:tester', 'testing', ['s3', 'cp', src, 's3://cli/big.bin']);
    assert.equal(up.code, 0, up.stderr);
    const head = await awsCli(endpoint, 'test:tester', 'testing', ['s3api', 'head-object', '--bucket', 'cli', '--key', 'big.bin']);
    assert.equal(head.code, 0, head.stderr);
    const meta = JSON.parse(head.stdout) as { ETag: string; ContentLength: number };
    assert.match(meta.ETag, /^"[0-9a-f]{32}-\d+"$/, 'a multipart ETag');
    assert.equal(meta.ContentLength, data.length);
    const dst = join(work, 'back.bin');
    const down = await awsCli(endpoint, 'test:tester', 'testing', ['s3', 'cp', 's3://cli/big.bin', dst]);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(createHash('md5').update(readFileSync(dst)).digest('hex'), createHash('md5').update(data).digest('hex'));
    const ls = await awsCli(endpoint, 'test:tester', 'testing', ['s3', 'ls', 's3://cli/']);
    assert.match(ls.stdout, /big\.bin/);
  });

  it('deletes a completed upload (plainly, by version null, and in DeleteObjects), then the bucket', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='mpudel')
def mpu(key):
    u = s3.create_multipart_upload(Bucket='mpudel', Key=key)['UploadId']
    e = s3.upload_part(Bucket='mpudel', Key=key, UploadId=u, PartNumber=1, Body=b'AA')['ETag']
    s3.complete_multipart_upload(Bucket='mpudel', Key=key, UploadId=u, MultipartUpload={'Parts': [{'ETag': e, 'PartNumber': 1}]})
for k in ('a', 'b', 'c'):
    mpu(k)
s3.delete_object(Bucket='mpudel', Key='a')
s3.delete_object(Bucket='mpudel', Key='b', VersionId='null')
s3.delete_objects(Bucket='mpudel', Delete={'Objects': [{'Key': 'c'}]})
r['left'] = [o['Key'] for o in s3.list_objects(Bucket='mpudel').get('Contents', [])]
r['delete_bucket'] = code_of(s3.delete_bucket, Bucket='mpudel')
print(json.dumps(r))
`);
    assert.deepEqual(out, { left: [], delete_bucket: null });
  });
  it("completes with S3's Location (scheme://host and the quoted path), answers a retried Complete alike, and UploadPart/abort carry Swift's headers", async () => {
    const out = await py(String.raw`
from urllib.parse import quote
r = {}
s3.create_bucket(Bucket='mpuloc')
key = 'obj\u2603 x'
u = s3.create_multipart_upload(Bucket='mpuloc', Key=key)['UploadId']
up = s3.upload_part(Bucket='mpuloc', Key=key, UploadId=u, PartNumber=1, Body=b'AA')
h = up['ResponseMetadata']['HTTPHeaders']
r['part_headers'] = ['last-modified' in h, h.get('content-type'), h.get('content-length')]
parts = {'Parts': [{'ETag': up['ETag'], 'PartNumber': 1}]}
done = s3.complete_multipart_upload(Bucket='mpuloc', Key=key, UploadId=u, MultipartUpload=parts)
r['location'] = done['Location'] == endpoint + '/mpuloc/' + quote(key)
again = s3.complete_multipart_upload(Bucket='mpuloc', Key=key, UploadId=u, MultipartUpload=parts)
r['retry'] = [again['ETag'] == done['ETag'], again['Location'] == done['Location']]
other = {'Parts': [{'ETag': '"%s"' % ('0' * 32), 'PartNumber': 1}]}
r['retry_other_parts'] = code_of(s3.complete_multipart_upload, Bucket='mpuloc', Key=key, UploadId=u, MultipartUpload=other)
r['retry_other_id'] = code_of(s3.complete_multipart_upload, Bucket='mpuloc', Key=key, UploadId='nope', MultipartUpload=parts)
try:
    s3.upload_part(Bucket='mpuloc', Key=key, UploadId='nope', PartNumber=1, Body=b'x')
except botocore.exceptions.ClientError as e:
    r['error_fields'] = sorted(k for k in e.response['Error'])
a = s3.create_multipart_upload(Bucket='mpuloc', Key='gone')['UploadId']
ab = s3.abort_multipart_upload(Bucket='mpuloc', Key='gone', UploadId=a)['ResponseMetadata']
r['abort'] = [ab['HTTPStatusCode'], ab['HTTPHeaders'].get('content-type')]
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      part_headers: [true, 'text/html; charset=UTF-8', '0'],
      location: true,
      retry: [true, true],
      retry_other_parts: ['NoSuchUpload', 404],
      retry_other_id: ['NoSuchUpload', 404],
      error_fields: ['Code', 'Message', 'UploadId'],
      abort: [204, 'text/html; charset=UTF-8'],
    });
  });
});

/**
 * boto3 over one session against `swiftly start`'s cluster (the detailed
 * boto3 cases are in s3api-boto3.test.ts, on a test pipeline): bucket and
 * object life cycle, upload_file/download_file going multipart, paginated
 * listings, presigned GET and PUT URLs used with curl, versioning, and the
 * error codes clients branch on.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { boto3 } from '../helpers/s3-clients.js';
import { startS3Cluster, type S3Cluster } from '../helpers/s3-cluster.js';

describe('boto3 session against swiftly start', () => {
  let cluster: S3Cluster | undefined;

  before(async () => {
    cluster = await startS3Cluster();
  });

  after(async () => {
    await cluster?.stop();
  });

  it('runs the session', async () => {
    const c = cluster!;
    const out = await boto3(c.endpoint, c.accessKey, c.secretKey, String.raw`
import hashlib, subprocess
from boto3.s3.transfer import TransferConfig
work = ${JSON.stringify(c.work)}
r = {}
s3.create_bucket(Bucket='boto3')
big = os.urandom(11 * 1024 * 1024)
open(work + '/big', 'wb').write(big)
cfg = TransferConfig(multipart_threshold=5 * 1024 * 1024, multipart_chunksize=5 * 1024 * 1024, use_threads=False)
s3.upload_file(work + '/big', 'boto3', 'big', Config=cfg)
r['mpu_etag'] = s3.head_object(Bucket='boto3', Key='big')['ETag'].endswith('-3"')
s3.download_file('boto3', 'big', work + '/big.back', Config=cfg)
r['download'] = open(work + '/big.back', 'rb').read() == big
for i in range(5):
    s3.put_object(Bucket='boto3', Key='k%d' % i, Body=b'v%d' % i)
pages = list(s3.get_paginator('list_objects_v2').paginate(Bucket='boto3', PaginationConfig={'PageSize': 2}))
r['pages'] = [[o['Key'] for o in p.get('Contents', [])] for p in pages]
url = s3.generate_presigned_url('get_object', Params={'Bucket': 'boto3', 'Key': 'k1'}, ExpiresIn=600)
r['presigned_get'] = subprocess.run(['curl', '-sS', '-f', url], capture_output=True).stdout.decode()
put_url = s3.generate_presigned_url('put_object', Params={'Bucket': 'boto3', 'Key': 'via-curl'}, ExpiresIn=600)
# no Content-Type: curl's form default would be signed for, and the URL signs none
subprocess.run(['curl', '-sS', '-f', '-X', 'PUT', '-H', 'Content-Type:', '--data-binary', 'put by curl', put_url], check=True)
r['presigned_put'] = s3.get_object(Bucket='boto3', Key='via-curl')['Body'].read().decode()
s3.create_bucket(Bucket='boto3-versions')
s3.put_bucket_versioning(Bucket='boto3-versions', VersioningConfiguration={'Status': 'Enabled'})
v1 = s3.put_object(Bucket='boto3-versions', Key='f', Body=b'one')['VersionId']
s3.put_object(Bucket='boto3-versions', Key='f', Body=b'two')
r['versions'] = [[v['IsLatest'], s3.get_object(Bucket='boto3-versions', Key='f', VersionId=v['VersionId'])['Body'].read().decode()] for v in s3.list_object_versions(Bucket='boto3-versions')['Versions']]
r['v1'] = s3.get_object(Bucket='boto3-versions', Key='f', VersionId=v1)['Body'].read().decode()
r['errors'] = [
    code_of(s3.get_object, Bucket='boto3', Key='missing'),
    code_of(s3.list_objects_v2, Bucket='boto3-missing'),
    code_of(s3.delete_bucket, Bucket='boto3'),
    code_of(s3.get_object, Bucket='boto3', Key='k1', Range='bytes=10-'),
    code_of(s3.get_object, Bucket='boto3', Key='k1', IfMatch='"nope"'),
    code_of(client(ak, 'wrong').list_objects_v2, Bucket='boto3'),
    code_of(client(${JSON.stringify(c.otherAccessKey)}, ${JSON.stringify(c.otherSecretKey)}).list_objects_v2, Bucket='boto3'),
]
for k in ['big', 'via-curl'] + ['k%d' % i for i in range(5)]:
    s3.delete_object(Bucket='boto3', Key=k)
r['deleted'] = s3.delete_bucket(Bucket='boto3')['ResponseMetadata']['HTTPStatusCode']
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      mpu_etag: true,
      download: true,
      pages: [['big', 'k0'], ['k1', 'k2'], ['k3', 'k4']],
      presigned_get: 'v1',
      presigned_put: 'put by curl',
      versions: [[true, 'two'], [false, 'one']],
      v1: 'one',
      errors: [
        ['NoSuchKey', 404],
        ['NoSuchBucket', 404],
        ['BucketNotEmpty', 409],
        ['InvalidRange', 416],
        ['PreconditionFailed', 412],
        ['SignatureDoesNotMatch', 403],
        ['AccessDenied', 403],
      ],
      deleted: 204,
    });
  });
});

/**
 * The S3 API through s3api and tempauth over swiftly's storage nodes, driven
 * by boto3 (SigV4, header and presigned): buckets, objects, listings,
 * copies, deletes, and the error codes clients branch on.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { boto3 } from '../helpers/s3-clients.js';

export const S3_PIPELINE = 'catch_errors gatekeeper healthcheck proxy_logging cache listing_formats s3api tempauth copy slo dlo proxy-server';

describe('s3api with boto3', () => {
  let cluster: SwiftCluster | undefined;
  let endpoint: string;
  const py = (script: string, key = 'test:tester', secret = 'testing') => boto3(endpoint, key, secret, script) as Promise<Record<string, unknown>>;

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly' });
    const proxy = await cluster.startProxy('', S3_PIPELINE, { s3api: { s3_acl: 'yes' }, tempauth: { user_test_tester2: 'testing2 .admin' } });
    endpoint = `http://127.0.0.1:${proxy.port}`;
  });

  after(async () => {
    await cluster?.stop();
  });

  it('creates, heads, lists and deletes buckets; names and owners checked', async () => {
    const out = await py(String.raw`
r = {}
r['create'] = s3.create_bucket(Bucket='alpha')['ResponseMetadata']['HTTPStatusCode']
r['again'] = code_of(s3.create_bucket, Bucket='alpha')
r['other_user'] = code_of(client('test:tester2', 'testing2').create_bucket, Bucket='alpha')
s3.meta.events.unregister('before-parameter-build.s3', botocore.handlers.validate_bucket_name)
r['bad_name'] = code_of(s3.create_bucket, Bucket='bad+name')
r['head'] = s3.head_bucket(Bucket='alpha')['ResponseMetadata']['HTTPStatusCode']
r['head_missing'] = code_of(s3.head_bucket, Bucket='nothing-here')
r['buckets'] = [b['Name'] for b in s3.list_buckets()['Buckets']]
r['location'] = s3.get_bucket_location(Bucket='alpha').get('LocationConstraint')
r['bad_location'] = code_of(s3.create_bucket, Bucket='beta', CreateBucketConfiguration={'LocationConstraint': 'eu-west-1'})
s3.put_object(Bucket='alpha', Key='k', Body=b'x')
r['not_empty'] = code_of(s3.delete_bucket, Bucket='alpha')
s3.delete_object(Bucket='alpha', Key='k')
r['delete'] = s3.delete_bucket(Bucket='alpha')['ResponseMetadata']['HTTPStatusCode']
r['gone'] = code_of(s3.list_objects, Bucket='alpha')
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      create: 200,
      again: ['BucketAlreadyOwnedByYou', 409],
      other_user: ['BucketAlreadyExists', 409],
      bad_name: ['InvalidBucketName', 400],
      head: 200,
      head_missing: ['404', 404],
      buckets: ['alpha'],
      location: null,
      bad_location: ['InvalidLocationConstraint', 400],
      not_empty: ['BucketNotEmpty', 409],
      delete: 204,
      gone: ['NoSuchBucket', 404],
    });
  });

  it('puts, gets and heads objects: metadata, ranges, conditionals, response overrides', async () => {
    const out = await py(String.raw`
import hashlib, datetime
r = {}
s3.create_bucket(Bucket='objs')
body = bytes(range(256)) * 40
put = s3.put_object(Bucket='objs', Key='dir/ü n', Body=body, ContentType='text/x-thing', Metadata={'color': 'blue'}, StorageClass='STANDARD_IA')
r['etag_ok'] = put['ETag'] == '"%s"' % hashlib.md5(body).hexdigest()
g = s3.get_object(Bucket='objs', Key='dir/ü n')
r['get'] = [g['Body'].read() == body, g['ContentType'], g['Metadata'], g['ContentLength']]
h = s3.head_object(Bucket='objs', Key='dir/ü n')
r['head'] = [h['ContentLength'], h['ETag'] == put['ETag']]
rg = s3.get_object(Bucket='objs', Key='dir/ü n', Range='bytes=10-19')
r['range'] = [rg['ResponseMetadata']['HTTPStatusCode'], rg['ContentRange'], rg['Body'].read() == body[10:20]]
r['bad_range'] = code_of(s3.get_object, Bucket='objs', Key='dir/ü n', Range='bytes=99999-')
r['if_match'] = code_of(s3.get_object, Bucket='objs', Key='dir/ü n', IfMatch='"nope"')
r['if_none_match'] = code_of(s3.get_object, Bucket='objs', Key='dir/ü n', IfNoneMatch=put['ETag'])
r['no_key'] = code_of(s3.get_object, Bucket='objs', Key='missing')
r['no_bucket'] = code_of(s3.get_object, Bucket='nobucket', Key='missing')
o = s3.get_object(Bucket='objs', Key='dir/ü n', ResponseContentType='application/x-over', ResponseContentDisposition='attachment')
r['overrides'] = [o['ContentType'], o['ContentDisposition']]
r['bad_md5'] = code_of(s3.put_object, Bucket='objs', Key='m', Body=b'abc', ContentMD5='1B2M2Y8AsgTpgAmY7PhCfg==')
r['bad_class'] = code_of(s3.put_object, Bucket='objs', Key='m', Body=b'abc', StorageClass='NOPE')
r['delete'] = s3.delete_object(Bucket='objs', Key='dir/ü n')['ResponseMetadata']['HTTPStatusCode']
r['delete_again'] = s3.delete_object(Bucket='objs', Key='dir/ü n')['ResponseMetadata']['HTTPStatusCode']
r['after'] = code_of(s3.head_object, Bucket='objs', Key='dir/ü n')
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      etag_ok: true,
      get: [true, 'text/x-thing', { color: 'blue' }, 10240],
      head: [10240, true],
      range: [206, 'bytes 10-19/10240', true],
      bad_range: ['InvalidRange', 416],
      if_match: ['PreconditionFailed', 412],
      if_none_match: ['304', 304],
      no_key: ['NoSuchKey', 404],
      no_bucket: ['NoSuchBucket', 404],
      overrides: ['application/x-over', 'attachment'],
      bad_md5: ['BadDigest', 400],
      bad_class: ['InvalidStorageClass', 400],
      delete: 204,
      delete_again: 204,
      after: ['404', 404],
    });
  });
});

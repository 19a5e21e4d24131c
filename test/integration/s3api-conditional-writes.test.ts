/**
 * S3's conditional writes through s3api, driven by boto3: PutObject and
 * CompleteMultipartUpload with `If-None-Match: *` (412 when the key
 * exists, written when its current version is a delete marker) and
 * `If-Match: <etag>` (412 on another ETag, NoSuchKey when there is no
 * object), NotImplemented for forms S3 refuses, and 409
 * ConditionalRequestConflict when the write loses to a newer delete on
 * the object servers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Timestamp } from '../../common/index.js';
import { S3_VERSIONED_FILTERS, S3_VERSIONED_PIPELINE } from '../helpers/s3-clients.js';
import { s3ProxyFixture } from '../helpers/s3-proxy-fixture.js';

/** Debian's botocore predates IfMatch/IfNoneMatch on writes: the headers are added before signing. */
const PY_HEADERS = String.raw`
def with_headers(op, hdrs):
    def add(request, **kw):
        for k, v in hdrs.items(): request.headers[k] = v
    s3.meta.events.register('before-sign.s3.' + op, add)
    return lambda: s3.meta.events.unregister('before-sign.s3.' + op, add)
def cond(op, hdrs, fn, **kw):
    undo = with_headers(op, hdrs)
    try:
        try:
            res = fn(**kw)
            return [res['ResponseMetadata']['HTTPStatusCode'], res.get('ETag')]
        except botocore.exceptions.ClientError as e:
            return [e.response['Error']['Code'], e.response['ResponseMetadata']['HTTPStatusCode'], e.response['Error'].get('Condition')]
    finally:
        undo()
def body(key, bucket='cwp'):
    return s3.get_object(Bucket=bucket, Key=key)['Body'].read().decode()
`;

describe('s3api conditional writes', () => {
  const s3 = s3ProxyFixture(S3_VERSIONED_PIPELINE, S3_VERSIONED_FILTERS);
  const py = (script: string) => s3.py(PY_HEADERS + script);

  it('PutObject: If-None-Match: * creates only; If-Match writes only over that ETag; other forms NotImplemented', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='cwp')
r['create'] = cond('PutObject', {'If-None-Match': '*'}, s3.put_object, Bucket='cwp', Key='k', Body=b'first')[0]
r['exists'] = cond('PutObject', {'If-None-Match': '*'}, s3.put_object, Bucket='cwp', Key='k', Body=b'second')
r['kept'] = body('k')
etag = s3.head_object(Bucket='cwp', Key='k')['ETag']
r['match'] = cond('PutObject', {'If-Match': etag}, s3.put_object, Bucket='cwp', Key='k', Body=b'third')[0]
r['stale'] = cond('PutObject', {'If-Match': etag}, s3.put_object, Bucket='cwp', Key='k', Body=b'fourth')
r['after'] = body('k')
r['missing'] = cond('PutObject', {'If-Match': etag}, s3.put_object, Bucket='cwp', Key='nope', Body=b'x')
r['etag_inm'] = cond('PutObject', {'If-None-Match': etag}, s3.put_object, Bucket='cwp', Key='k2', Body=b'x')
r['both'] = cond('PutObject', {'If-None-Match': '*', 'If-Match': etag}, s3.put_object, Bucket='cwp', Key='k2', Body=b'x')
r['nothing_made'] = [code_of(s3.head_object, Bucket='cwp', Key=k) for k in ('nope', 'k2')]
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      create: 200,
      exists: ['PreconditionFailed', 412, 'If-None-Match'],
      kept: 'first',
      match: 200,
      stale: ['PreconditionFailed', 412, 'If-Match'],
      after: 'third',
      missing: ['NoSuchKey', 404, null],
      etag_inm: ['NotImplemented', 501, null],
      both: ['NotImplemented', 501, null],
      nothing_made: [['404', 404], ['404', 404]],
    });
  });

  it('CompleteMultipartUpload: If-None-Match: * and If-Match checked when the upload completes, the upload kept on 412', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='cwm')
def upload(key):
    uid = s3.create_multipart_upload(Bucket='cwm', Key=key)['UploadId']
    e = s3.upload_part(Bucket='cwm', Key=key, UploadId=uid, PartNumber=1, Body=b'part of ' + key.encode())['ETag']
    return dict(Bucket='cwm', Key=key, UploadId=uid, MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': e}]})
s3.put_object(Bucket='cwm', Key='taken', Body=b'already here')
req = upload('taken')
r['exists'] = cond('CompleteMultipartUpload', {'If-None-Match': '*'}, s3.complete_multipart_upload, **req)
r['kept'] = [body('taken', 'cwm'), len(s3.list_parts(Bucket='cwm', Key='taken', UploadId=req['UploadId'])['Parts'])]
r['stale'] = cond('CompleteMultipartUpload', {'If-Match': '"0123456789abcdef0123456789abcdef"'}, s3.complete_multipart_upload, **req)
etag = s3.head_object(Bucket='cwm', Key='taken')['ETag']
done = cond('CompleteMultipartUpload', {'If-Match': etag}, s3.complete_multipart_upload, **req)
r['match'] = [done[0], done[1].endswith('-1"'), body('taken', 'cwm')]
# The multipart object's S3 ETag (<md5>-1) is what If-Match compares with.
req = upload('taken')
r['mpu_etag'] = cond('CompleteMultipartUpload', {'If-Match': done[1]}, s3.complete_multipart_upload, **req)[0]
req = upload('fresh')
r['missing'] = cond('CompleteMultipartUpload', {'If-Match': etag}, s3.complete_multipart_upload, **req)
r['create'] = cond('CompleteMultipartUpload', {'If-None-Match': '*'}, s3.complete_multipart_upload, **req)[0]
r['created'] = body('fresh', 'cwm')
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      exists: ['PreconditionFailed', 412, 'If-None-Match'],
      kept: ['already here', 1],
      stale: ['PreconditionFailed', 412, 'If-Match'],
      match: [200, true, 'part of taken'],
      mpu_etag: 200,
      missing: ['NoSuchKey', 404, null],
      create: 200,
      created: 'part of fresh',
    });
  });

  it('in a versioned bucket a delete marker is no current object: If-None-Match: * writes, If-Match is NoSuchKey', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='cwv')
s3.put_bucket_versioning(Bucket='cwv', VersioningConfiguration={'Status': 'Enabled'})
s3.put_object(Bucket='cwv', Key='k', Body=b'v1')
r['exists'] = cond('PutObject', {'If-None-Match': '*'}, s3.put_object, Bucket='cwv', Key='k', Body=b'v2')[:2]
etag = s3.head_object(Bucket='cwv', Key='k')['ETag']
s3.delete_object(Bucket='cwv', Key='k')
r['match_marker'] = cond('PutObject', {'If-Match': etag}, s3.put_object, Bucket='cwv', Key='k', Body=b'v2')[:2]
r['over_marker'] = cond('PutObject', {'If-None-Match': '*'}, s3.put_object, Bucket='cwv', Key='k', Body=b'v3')[0]
r['now'] = body('k', 'cwv')
print(json.dumps(r))
`);
    assert.deepEqual(out, { exists: ['PreconditionFailed', 412], match_marker: ['NoSuchKey', 404], over_marker: 200, now: 'v3' });
  });

  it('a conditional write that loses to a newer delete on the object servers is 409 ConditionalRequestConflict', async () => {
    await s3.py(`s3.create_bucket(Bucket='cwr'); print('{}')`);
    // A DELETE stamped in the future, as one that raced this write and won: each object server keeps its tombstone.
    const future = Timestamp.parse(Date.now() / 1000 + 3600).internal;
    const { partition, nodes } = s3.cluster.ring('object').getNodes('AUTH_test', 'cwr', 'raced');
    for (const n of nodes) {
      const res = await fetch(`http://${n.ip}:${n.port}/${n.device}/${partition}/AUTH_test/cwr/raced`, { method: 'DELETE', headers: { 'x-timestamp': future } });
      assert.ok(res.status === 404 || res.status === 204, String(res.status));
    }
    const out = await py(String.raw`
r = {}
r['conditional'] = cond('PutObject', {'If-None-Match': '*'}, s3.put_object, Bucket='cwr', Key='raced', Body=b'lost')[:2]
r['stored'] = code_of(s3.head_object, Bucket='cwr', Key='raced')
print(json.dumps(r))
`);
    assert.deepEqual(out, { conditional: ['ConditionalRequestConflict', 409], stored: ['404', 404] });
  });
});

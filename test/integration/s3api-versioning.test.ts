/**
 * S3 versioning through s3api on Swift's object versioning, driven by boto3
 * and aws-cli: the bucket's status, version ids on PUT, GET/HEAD/DELETE of
 * one version, delete markers, ListObjectVersions, DeleteObjects and copies
 * by version, and the newest version becoming current when the current one
 * is deleted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { S3_VERSIONED_FILTERS, S3_VERSIONED_PIPELINE } from '../helpers/s3-clients.js';
import { s3ProxyFixture } from '../helpers/s3-proxy-fixture.js';

describe('s3api versioning', () => {
  const s3 = s3ProxyFixture(S3_VERSIONED_PIPELINE, S3_VERSIONED_FILTERS);
  const py = s3.py;


  it('reports and sets the status with aws-cli; bad configurations are MalformedXML', async () => {
    const cli = s3.cli;
    assert.equal((await cli('s3api', 'create-bucket', '--bucket', 'vcli')).code, 0);
    const before = await cli('s3api', 'get-bucket-versioning', '--bucket', 'vcli');
    assert.equal(before.code, 0, before.stderr);
    assert.equal(before.stdout.trim(), '');
    const put = await cli('s3api', 'put-bucket-versioning', '--bucket', 'vcli', '--versioning-configuration', 'Status=Enabled');
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(JSON.parse((await cli('s3api', 'get-bucket-versioning', '--bucket', 'vcli')).stdout), { Status: 'Enabled' });
    assert.equal((await cli('s3api', 'put-bucket-versioning', '--bucket', 'vcli', '--versioning-configuration', 'Status=Suspended')).code, 0);
    assert.deepEqual(JSON.parse((await cli('s3api', 'get-bucket-versioning', '--bucket', 'vcli')).stdout), { Status: 'Suspended' });
    const out = await py(String.raw`
r = {}
r['bad'] = code_of(s3.put_bucket_versioning, Bucket='vcli', VersioningConfiguration={'Status': 'On'})
r['missing'] = code_of(client().get_bucket_versioning, Bucket='nope-nope')
print(json.dumps(r))
`);
    assert.deepEqual(out, { bad: ['MalformedXML', 400], missing: ['NoSuchBucket', 404] });
  });

  it('keeps versions: ids on PUT, GET/HEAD by version, delete markers, restore on delete', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='vers')
s3.put_object(Bucket='vers', Key='k', Body=b'null-one')
s3.put_bucket_versioning(Bucket='vers', VersioningConfiguration={'Status': 'Enabled'})
v1 = s3.put_object(Bucket='vers', Key='k', Body=b'one')['VersionId']
v2 = s3.put_object(Bucket='vers', Key='k', Body=b'two')['VersionId']
r['ids_differ'] = v1 != v2 and v1 != 'null'
g = s3.get_object(Bucket='vers', Key='k')
r['current'] = [g['Body'].read().decode(), g['VersionId'] == v2]
r['get_v1'] = s3.get_object(Bucket='vers', Key='k', VersionId=v1)['Body'].read().decode()
r['head_v1'] = s3.head_object(Bucket='vers', Key='k', VersionId=v1)['VersionId'] == v1
r['no_version'] = code_of(s3.get_object, Bucket='vers', Key='k', VersionId='1234567890.12345')
r['bad_version'] = code_of(s3.get_object, Bucket='vers', Key='k', VersionId='not-a-version')
d = s3.delete_object(Bucket='vers', Key='k')
r['marker'] = [d.get('DeleteMarker'), d['VersionId'] not in (v1, v2)]
marker = d['VersionId']
r['gone'] = code_of(s3.get_object, Bucket='vers', Key='k')
try:
    s3.head_object(Bucket='vers', Key='k')
except botocore.exceptions.ClientError as e:
    hh = e.response['ResponseMetadata']['HTTPHeaders']
    r['gone_marker'] = [hh.get('x-amz-delete-marker'), hh.get('x-amz-version-id') == marker]
r['get_marker'] = code_of(s3.get_object, Bucket='vers', Key='k', VersionId=marker)
lv = s3.list_object_versions(Bucket='vers')
r['versions'] = [[v['VersionId'] == vid, v['IsLatest'], v['Size']] for v, vid in zip(lv['Versions'], [v2, v1])] + [len(lv['Versions'])]
r['markers'] = [[m['VersionId'] == marker, m['IsLatest']] for m in lv['DeleteMarkers']]
r['listed'] = [o['Key'] for o in s3.list_objects_v2(Bucket='vers').get('Contents', [])]
dm = s3.delete_object(Bucket='vers', Key='k', VersionId=marker)
r['delete_marker'] = [dm.get('DeleteMarker'), dm['VersionId'] == marker]
r['back'] = s3.get_object(Bucket='vers', Key='k')['Body'].read().decode()
dv = s3.delete_object(Bucket='vers', Key='k', VersionId=v2)
r['delete_current'] = dv['VersionId'] == v2
r['restored'] = s3.get_object(Bucket='vers', Key='k')['Body'].read().decode()
r['missing_key_marker'] = s3.delete_object(Bucket='vers', Key='never').get('DeleteMarker')
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      ids_differ: true,
      current: ['two', true],
      get_v1: 'one',
      head_v1: true,
      no_version: ['NoSuchVersion', 404],
      bad_version: ['InvalidArgument', 400],
      marker: [true, true],
      gone: ['NoSuchKey', 404],
      gone_marker: ['true', true],
      get_marker: ['MethodNotAllowed', 405],
      versions: [[true, false, 3], [true, false, 3], 3],
      markers: [[true, true]],
      listed: [],
      delete_marker: [true, true],
      back: 'two',
      delete_current: true,
      restored: 'one',
      missing_key_marker: true,
    });
  });

  it('lists versions in pages with key and version markers; the null version is listed as null', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='vpages')
s3.put_object(Bucket='vpages', Key='a', Body=b'a0')
s3.put_bucket_versioning(Bucket='vpages', VersioningConfiguration={'Status': 'Enabled'})
s3.put_object(Bucket='vpages', Key='b', Body=b'b1')
s3.put_object(Bucket='vpages', Key='b', Body=b'b2')
s3.put_object(Bucket='vpages', Key='c', Body=b'c1')
seen = []
kw = {}
while True:
    page = s3.list_object_versions(Bucket='vpages', MaxKeys=1, **kw)
    seen += [[v['Key'], v['VersionId'] == 'null', v['IsLatest']] for v in page.get('Versions', [])]
    if not page['IsTruncated']:
        break
    kw = {'KeyMarker': page['NextKeyMarker'], 'VersionIdMarker': page['NextVersionIdMarker']}
r['pages'] = seen
r['null_get'] = s3.get_object(Bucket='vpages', Key='a', VersionId='null')['Body'].read().decode()
r['bad_marker'] = code_of(s3.list_object_versions, Bucket='vpages', VersionIdMarker='x')
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      pages: [['a', true, true], ['b', false, true], ['b', false, false], ['c', false, true]],
      null_get: 'a0',
      bad_marker: ['InvalidArgument', 400],
    });
  });

  it('deletes versions with DeleteObjects and copies a given version', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='vmulti')
s3.put_bucket_versioning(Bucket='vmulti', VersioningConfiguration={'Status': 'Enabled'})
v1 = s3.put_object(Bucket='vmulti', Key='k', Body=b'one')['VersionId']
v2 = s3.put_object(Bucket='vmulti', Key='k', Body=b'two')['VersionId']
c = s3.copy_object(Bucket='vmulti', Key='copy', CopySource={'Bucket': 'vmulti', 'Key': 'k', 'VersionId': v1})
r['copy'] = [c['CopySourceVersionId'] == v1, 'VersionId' in c, s3.get_object(Bucket='vmulti', Key='copy')['Body'].read().decode()]
res = s3.delete_objects(Bucket='vmulti', Delete={'Objects': [{'Key': 'k', 'VersionId': v1}, {'Key': 'copy'}]})
r['deleted'] = sorted([[d['Key'], d.get('VersionId') == v1, d.get('DeleteMarker', False), 'DeleteMarkerVersionId' in d] for d in res['Deleted']])
r['left'] = sorted([[v['Key'], v['VersionId'] == v2] for v in s3.list_object_versions(Bucket='vmulti', Prefix='k')['Versions']])
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      copy: [true, true, 'one'],
      deleted: [['copy', false, true, true], ['k', true, false, false]],
      left: [['k', true]],
    });
  });

  it('lists versions with aws-cli', async () => {
    const cli = s3.cli;
    const r = await cli('s3api', 'list-object-versions', '--bucket', 'vers');
    assert.equal(r.code, 0, r.stderr);
    const listing = JSON.parse(r.stdout) as { Versions: { Key: string; IsLatest: boolean }[] };
    assert.deepEqual(listing.Versions.map((v) => [v.Key, v.IsLatest]), [['k', true], ['k', false]]);
  });

  it('empties a versioned bucket by deleting every version, null ones (plain and multipart) included', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='vempty')
s3.put_object(Bucket='vempty', Key='plain', Body=b'p')
u = s3.create_multipart_upload(Bucket='vempty', Key='mpu')['UploadId']
e = s3.upload_part(Bucket='vempty', Key='mpu', UploadId=u, PartNumber=1, Body=b'AA')['ETag']
s3.complete_multipart_upload(Bucket='vempty', Key='mpu', UploadId=u, MultipartUpload={'Parts': [{'ETag': e, 'PartNumber': 1}]})
s3.put_bucket_versioning(Bucket='vempty', VersioningConfiguration={'Status': 'Enabled'})
s3.put_object(Bucket='vempty', Key='real', Body=b'r')
vs = s3.list_object_versions(Bucket='vempty')
every = [[v['Key'], v['VersionId']] for v in vs.get('Versions', []) + vs.get('DeleteMarkers', [])]
r['nulls'] = sorted(k for k, v in every if v == 'null')
for k, v in every:
    s3.delete_object(Bucket='vempty', Key=k, VersionId=v)
vs = s3.list_object_versions(Bucket='vempty')
r['left'] = vs.get('Versions', []) + vs.get('DeleteMarkers', [])
r['delete_bucket'] = code_of(s3.delete_bucket, Bucket='vempty')
print(json.dumps(r))
`);
    assert.deepEqual(out, { nulls: ['mpu', 'plain'], left: [], delete_bucket: null });
  });
});

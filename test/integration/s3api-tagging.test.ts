/**
 * S3 tagging through s3api, driven by boto3 and aws-cli: object tag sets
 * (?tagging, x-amz-tagging on PUT and copies, x-amz-tagging-count, S3's
 * limits as InvalidTag) kept apart from the object's metadata, on plain and
 * versioned buckets; bucket tag sets and NoSuchTagSet.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { S3_VERSIONED_FILTERS, S3_VERSIONED_PIPELINE } from '../helpers/s3-clients.js';
import { s3ProxyFixture } from '../helpers/s3-proxy-fixture.js';

describe('s3api tagging', () => {
  const s3 = s3ProxyFixture(S3_VERSIONED_PIPELINE, S3_VERSIONED_FILTERS);
  const py = s3.py;


  it('tags objects: PUT header, ?tagging, count on GET/HEAD, metadata kept, limits', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='tags')
s3.put_object(Bucket='tags', Key='k', Body=b'x', Metadata={'color': 'blue'}, ContentType='text/x-a', Tagging='a=1&b=two%20words')
r['from_header'] = s3.get_object_tagging(Bucket='tags', Key='k')['TagSet']
r['count'] = [s3.get_object(Bucket='tags', Key='k').get('TagCount'), s3.head_object(Bucket='tags', Key='k')['ResponseMetadata']['HTTPHeaders'].get('x-amz-tagging-count')]
s3.put_object_tagging(Bucket='tags', Key='k', Tagging={'TagSet': [{'Key': 'ünï', 'Value': 'v/+=.:_@-'}]})
r['put'] = s3.get_object_tagging(Bucket='tags', Key='k')['TagSet']
h = s3.head_object(Bucket='tags', Key='k')
r['meta_kept'] = [h['Metadata'], h['ContentType']]
r['delete'] = s3.delete_object_tagging(Bucket='tags', Key='k')['ResponseMetadata']['HTTPStatusCode']
r['none'] = [s3.get_object_tagging(Bucket='tags', Key='k')['TagSet'], 'TagCount' in s3.get_object(Bucket='tags', Key='k')]
r['eleven'] = code_of(s3.put_object_tagging, Bucket='tags', Key='k', Tagging={'TagSet': [{'Key': 'k%d' % i, 'Value': 'v'} for i in range(11)]})
r['long_key'] = code_of(s3.put_object_tagging, Bucket='tags', Key='k', Tagging={'TagSet': [{'Key': 'k' * 129, 'Value': 'v'}]})
r['long_value'] = code_of(s3.put_object_tagging, Bucket='tags', Key='k', Tagging={'TagSet': [{'Key': 'k', 'Value': 'v' * 257}]})
r['dup'] = code_of(s3.put_object_tagging, Bucket='tags', Key='k', Tagging={'TagSet': [{'Key': 'k', 'Value': '1'}, {'Key': 'k', 'Value': '2'}]})
r['bad_header'] = code_of(s3.put_object, Bucket='tags', Key='k2', Body=b'x', Tagging='a=1&a=2')
r['no_key'] = code_of(s3.get_object_tagging, Bucket='tags', Key='missing')
r['no_key_put'] = code_of(s3.put_object_tagging, Bucket='tags', Key='missing', Tagging={'TagSet': []})
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      from_header: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: 'two words' }],
      count: [2, '2'],
      put: [{ Key: 'ünï', Value: 'v/+=.:_@-' }],
      meta_kept: [{ color: 'blue' }, 'text/x-a'],
      delete: 204,
      none: [[], false],
      eleven: ['InvalidTag', 400],
      long_key: ['InvalidTag', 400],
      long_value: ['InvalidTag', 400],
      dup: ['InvalidTag', 400],
      bad_header: ['InvalidTag', 400],
      no_key: ['NoSuchKey', 404],
      no_key_put: ['NoSuchKey', 404],
    });
  });

  it('copies tags (COPY) or replaces them (REPLACE); tags a versioned object', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='tagcopy')
s3.put_object(Bucket='tagcopy', Key='src', Body=b'x', Tagging='t=1')
s3.copy_object(Bucket='tagcopy', Key='c1', CopySource='tagcopy/src')
s3.copy_object(Bucket='tagcopy', Key='c2', CopySource='tagcopy/src', TaggingDirective='REPLACE', Tagging='n=2')
s3.copy_object(Bucket='tagcopy', Key='c3', CopySource='tagcopy/src', TaggingDirective='REPLACE')
s3.copy_object(Bucket='tagcopy', Key='c4', CopySource='tagcopy/src', MetadataDirective='REPLACE')
r['copies'] = [s3.get_object_tagging(Bucket='tagcopy', Key=k)['TagSet'] for k in ('c1', 'c2', 'c3', 'c4')]
r['bad_directive'] = code_of(s3.copy_object, Bucket='tagcopy', Key='c5', CopySource='tagcopy/src', TaggingDirective='MERGE')
s3.put_bucket_versioning(Bucket='tagcopy', VersioningConfiguration={'Status': 'Enabled'})
v1 = s3.put_object(Bucket='tagcopy', Key='v', Body=b'1')['VersionId']
v2 = s3.put_object(Bucket='tagcopy', Key='v', Body=b'2', Tagging='old=1')['VersionId']
p = s3.put_object_tagging(Bucket='tagcopy', Key='v', Tagging={'TagSet': [{'Key': 'x', 'Value': 'y'}]})
r['versioned'] = [p.get('VersionId') == v2, s3.get_object_tagging(Bucket='tagcopy', Key='v', VersionId=v2)['TagSet'], s3.get_object_tagging(Bucket='tagcopy', Key='v', VersionId=v1)['TagSet']]
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      copies: [[{ Key: 't', Value: '1' }], [{ Key: 'n', Value: '2' }], [], [{ Key: 't', Value: '1' }]],
      bad_directive: ['InvalidArgument', 400],
      versioned: [true, [{ Key: 'x', Value: 'y' }], []],
    });
  });

  it('tags an older version by versionId (Get/Put/DeleteObjectTagging), leaving the current one and its metadata alone', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='tagold')
s3.put_bucket_versioning(Bucket='tagold', VersioningConfiguration={'Status': 'Enabled'})
v1 = s3.put_object(Bucket='tagold', Key='k', Body=b'1', Metadata={'m': 'one'}, ContentType='text/x-one', Tagging='was=1')['VersionId']
v2 = s3.put_object(Bucket='tagold', Key='k', Body=b'22', Tagging='cur=2')['VersionId']
def tags(**kw): return s3.get_object_tagging(Bucket='tagold', Key='k', **kw)['TagSet']
p = s3.put_object_tagging(Bucket='tagold', Key='k', VersionId=v1, Tagging={'TagSet': [{'Key': 'old', 'Value': 'tagged'}]})
r['put'] = [p.get('VersionId') == v1, tags(VersionId=v1), tags(VersionId=v2), tags()]
g = s3.get_object(Bucket='tagold', Key='k', VersionId=v1)
r['old_kept'] = [g['Body'].read().decode(), g['Metadata'], g['ContentType'], g.get('TagCount'), s3.get_object(Bucket='tagold', Key='k')['Body'].read().decode()]
d = s3.delete_object_tagging(Bucket='tagold', Key='k', VersionId=v1)
r['delete'] = [d['ResponseMetadata']['HTTPStatusCode'], d.get('VersionId') == v1, tags(VersionId=v1), tags()]
r['listed'] = [v['VersionId'] for v in s3.list_object_versions(Bucket='tagold')['Versions']] == [v2, v1]
r['no_version'] = code_of(s3.put_object_tagging, Bucket='tagold', Key='k', VersionId='1700000000.00000', Tagging={'TagSet': []})
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      put: [true, [{ Key: 'old', Value: 'tagged' }], [{ Key: 'cur', Value: '2' }], [{ Key: 'cur', Value: '2' }]],
      old_kept: ['1', { m: 'one' }, 'text/x-one', 1, '22'],
      delete: [204, true, [], [{ Key: 'cur', Value: '2' }]],
      listed: true,
      no_version: ['NoSuchVersion', 404],
    });
  });

  it('tags buckets; aws-cli put-object-tagging and put-bucket-tagging', async () => {
    const cli = s3.cli;
    const mb = await cli('s3api', 'create-bucket', '--bucket', 'tagcli');
    assert.equal(mb.code, 0, mb.stderr);
    const none = await cli('s3api', 'get-bucket-tagging', '--bucket', 'tagcli');
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /NoSuchTagSet/);
    const put = await cli('s3api', 'put-bucket-tagging', '--bucket', 'tagcli', '--tagging', 'TagSet=[{Key=team,Value=storage}]');
    assert.equal(put.code, 0, put.stderr);
    assert.deepEqual(JSON.parse((await cli('s3api', 'get-bucket-tagging', '--bucket', 'tagcli')).stdout), { TagSet: [{ Key: 'team', Value: 'storage' }] });
    const del = await cli('s3api', 'delete-bucket-tagging', '--bucket', 'tagcli');
    assert.equal(del.code, 0, del.stderr);
    assert.match((await cli('s3api', 'get-bucket-tagging', '--bucket', 'tagcli')).stderr, /NoSuchTagSet/);
    const po = await cli('s3api', 'put-object', '--bucket', 'tagcli', '--key', 'o');
    assert.equal(po.code, 0, po.stderr);
    const tagObj = await cli('s3api', 'put-object-tagging', '--bucket', 'tagcli', '--key', 'o', '--tagging', 'TagSet=[{Key=a,Value=b}]');
    assert.equal(tagObj.code, 0, tagObj.stderr);
    assert.deepEqual(JSON.parse((await cli('s3api', 'get-object-tagging', '--bucket', 'tagcli', '--key', 'o')).stdout).TagSet, [{ Key: 'a', Value: 'b' }]);
  });
});

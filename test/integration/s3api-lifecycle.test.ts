/**
 * S3 lifecycle through s3api, driven by boto3 and aws-cli: configurations
 * checked, stored, read back and deleted; Expiration applied to objects as
 * they are written (X-Delete-At, `x-amz-expiration` on PUT/GET/HEAD), by
 * prefix, tag and size filters, Days rounded up to midnight UTC, a past
 * Date expiring the object at once.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { s3ProxyFixture } from '../helpers/s3-proxy-fixture.js';

describe('s3api lifecycle', () => {
  const s3 = s3ProxyFixture();
  const py = s3.py;


  it('stores, returns and deletes a configuration with aws-cli; bad ones refused', async () => {
    const cli = s3.cli;
    const mb = await cli('s3api', 'create-bucket', '--bucket', 'lccli');
    assert.equal(mb.code, 0, mb.stderr);
    assert.match((await cli('s3api', 'get-bucket-lifecycle-configuration', '--bucket', 'lccli')).stderr, /NoSuchLifecycleConfiguration/);
    const conf = {
      Rules: [
        { ID: 'logs', Filter: { Prefix: 'logs/' }, Status: 'Enabled', Expiration: { Days: 30 }, NoncurrentVersionExpiration: { NoncurrentDays: 7 } },
        { ID: 'cold', Filter: { And: { Prefix: 'a/', Tags: [{ Key: 't', Value: 'v' }] } }, Status: 'Disabled', Transitions: [{ Days: 10, StorageClass: 'GLACIER' }] },
      ],
    };
    const put = await cli('s3api', 'put-bucket-lifecycle-configuration', '--bucket', 'lccli', '--lifecycle-configuration', JSON.stringify(conf));
    assert.equal(put.code, 0, put.stderr);
    const got = await cli('s3api', 'get-bucket-lifecycle-configuration', '--bucket', 'lccli');
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout), { Rules: conf.Rules });
    const del = await cli('s3api', 'delete-bucket-lifecycle', '--bucket', 'lccli');
    assert.equal(del.code, 0, del.stderr);
    assert.match((await cli('s3api', 'get-bucket-lifecycle-configuration', '--bucket', 'lccli')).stderr, /NoSuchLifecycleConfiguration/);
    const out = await py(String.raw`
r = {}
put = lambda rules: code_of(s3.put_bucket_lifecycle_configuration, Bucket='lccli', LifecycleConfiguration={'Rules': rules})
r['no_action'] = put([{'ID': 'x', 'Filter': {'Prefix': ''}, 'Status': 'Enabled'}])
r['zero_days'] = put([{'ID': 'x', 'Filter': {'Prefix': ''}, 'Status': 'Enabled', 'Expiration': {'Days': 0}}])
r['not_midnight'] = put([{'ID': 'x', 'Filter': {'Prefix': ''}, 'Status': 'Enabled', 'Expiration': {'Date': '2030-01-01T12:00:00Z'}}])
r['dup_id'] = put([{'ID': 'x', 'Filter': {'Prefix': 'a'}, 'Status': 'Enabled', 'Expiration': {'Days': 1}}, {'ID': 'x', 'Filter': {'Prefix': 'b'}, 'Status': 'Enabled', 'Expiration': {'Days': 1}}])
r['bad_status'] = put([{'ID': 'x', 'Filter': {'Prefix': ''}, 'Status': 'On', 'Expiration': {'Days': 1}}])
r['no_bucket'] = code_of(s3.get_bucket_lifecycle_configuration, Bucket='no-such-bucket')
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      no_action: ['InvalidRequest', 400],
      zero_days: ['InvalidArgument', 400],
      not_midnight: ['InvalidArgument', 400],
      dup_id: ['InvalidArgument', 400],
      bad_status: ['MalformedXML', 400],
      no_bucket: ['NoSuchBucket', 404],
    });
  });

  it('expires objects written under an Expiration rule', async () => {
    const out = await py(String.raw`
import time, datetime, email.utils
r = {}
s3.create_bucket(Bucket='lcexp')
s3.put_bucket_lifecycle_configuration(Bucket='lcexp', LifecycleConfiguration={'Rules': [
    {'ID': 'tmp-1day', 'Filter': {'Prefix': 'tmp/'}, 'Status': 'Enabled', 'Expiration': {'Days': 1}},
    {'ID': 'tagged', 'Filter': {'Tag': {'Key': 'gone', 'Value': 'soon'}}, 'Status': 'Enabled', 'Expiration': {'Date': '2020-01-01T00:00:00Z'}},
    {'ID': 'big', 'Filter': {'ObjectSizeGreaterThan': 100}, 'Status': 'Enabled', 'Expiration': {'Days': 3}},
    {'ID': 'off', 'Filter': {'Prefix': 'off/'}, 'Status': 'Disabled', 'Expiration': {'Days': 1}},
]})
before = time.time()
p = s3.put_object(Bucket='lcexp', Key='tmp/a', Body=b'x')
r['put_header'] = p.get('Expiration', '')
midnight = (int(before + 86400) // 86400 + 1) * 86400
r['expected'] = p.get('Expiration') == 'expiry-date="%s", rule-id="tmp-1day"' % email.utils.formatdate(midnight, usegmt=True)
r['head'] = s3.head_object(Bucket='lcexp', Key='tmp/a').get('Expiration') == p['Expiration']
r['get'] = s3.get_object(Bucket='lcexp', Key='tmp/a').get('Expiration') == p['Expiration']
r['other'] = 'Expiration' in s3.put_object(Bucket='lcexp', Key='keep/a', Body=b'x')
r['disabled'] = 'Expiration' in s3.put_object(Bucket='lcexp', Key='off/a', Body=b'x')
r['big'] = 'rule-id="big"' in s3.put_object(Bucket='lcexp', Key='keep/big', Body=b'x' * 101).get('Expiration', '')
s3.put_object(Bucket='lcexp', Key='keep/tagged', Body=b'x', Tagging='gone=soon')
s3.put_object_tagging(Bucket='lcexp', Key='tmp/a', Tagging={'TagSet': [{'Key': 'k', 'Value': 'v'}]})
r['kept_by_tagging'] = s3.head_object(Bucket='lcexp', Key='tmp/a').get('Expiration') == p['Expiration']
c = s3.copy_object(Bucket='lcexp', Key='tmp/copy', CopySource='lcexp/keep/a')
r['copy'] = 'rule-id="tmp-1day"' in c.get('Expiration', '')
u = s3.create_multipart_upload(Bucket='lcexp', Key='tmp/mpu', Tagging='gone=later')['UploadId']
e = s3.upload_part(Bucket='lcexp', Key='tmp/mpu', UploadId=u, PartNumber=1, Body=b'AA')['ETag']
done = s3.complete_multipart_upload(Bucket='lcexp', Key='tmp/mpu', UploadId=u, MultipartUpload={'Parts': [{'ETag': e, 'PartNumber': 1}]})
r['mpu'] = [done.get('Expiration') == p['Expiration'], s3.head_object(Bucket='lcexp', Key='tmp/mpu').get('Expiration') == done.get('Expiration'), s3.get_object_tagging(Bucket='lcexp', Key='tmp/mpu')['TagSet']]
time.sleep(2.5)
r['expired'] = code_of(s3.get_object, Bucket='lcexp', Key='keep/tagged')
r['still_there'] = s3.get_object(Bucket='lcexp', Key='keep/a')['Body'].read().decode()
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      put_header: (out as { put_header: string }).put_header,
      expected: true,
      head: true,
      get: true,
      other: false,
      disabled: false,
      big: true,
      kept_by_tagging: true,
      copy: true,
      mpu: [true, true, [{ Key: 'gone', Value: 'later' }]],
      expired: ['NoSuchKey', 404],
      still_there: 'x',
    });
  });
});

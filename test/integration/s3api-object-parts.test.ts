/**
 * Reading a multipart object's parts through s3api, with boto3:
 * GetObjectAttributes (ETag, Checksum, ObjectParts paged, StorageClass,
 * ObjectSize) and GetObject/HeadObject `partNumber` (x-amz-mp-parts-count,
 * InvalidPartNumber), on multipart and plain objects.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { boto3, S3_PIPELINE } from '../helpers/s3-clients.js';

const PY_SETUP = String.raw`
import base64, hashlib
def sha(data): return base64.b64encode(hashlib.sha256(data).digest()).decode()
MB = 1024 * 1024
p1, p2, p3 = b'a' * (5 * MB), b'b' * (5 * MB), b'c' * 1234
def setup():
    s3.create_bucket(Bucket='attrs')
    uid = s3.create_multipart_upload(Bucket='attrs', Key='mp', ChecksumAlgorithm='SHA256')['UploadId']
    parts = []
    for n, p in enumerate((p1, p2, p3), 1):
        res = s3.upload_part(Bucket='attrs', Key='mp', UploadId=uid, PartNumber=n, Body=p, ChecksumSHA256=sha(p))
        parts.append({'PartNumber': n, 'ETag': res['ETag'], 'ChecksumSHA256': sha(p)})
    done = s3.complete_multipart_upload(Bucket='attrs', Key='mp', UploadId=uid, MultipartUpload={'Parts': parts})
    s3.put_object(Bucket='attrs', Key='plain', Body=b'hello', ChecksumSHA256=sha(b'hello'))
    return done['ETag']
`;

describe('s3api object parts', () => {
  let cluster: SwiftCluster | undefined;
  let endpoint: string;
  const py = (script: string) => boto3(endpoint, 'test:tester', 'testing', PY_SETUP + script) as Promise<Record<string, unknown>>;

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly' });
    const proxy = await cluster.startProxy('', S3_PIPELINE, { s3api: { s3_acl: 'yes' } });
    endpoint = `http://127.0.0.1:${proxy.port}`;
    await py(`setup()\nprint('{}')`);
  });

  after(async () => {
    await cluster?.stop();
  });

  it('GetObjectAttributes: ETag, Checksum, ObjectParts (paged, with part checksums), StorageClass, ObjectSize', async () => {
    const out = await py(String.raw`
r = {}
etag = s3.head_object(Bucket='attrs', Key='mp')['ETag']
want = base64.b64encode(hashlib.sha256(b''.join(hashlib.sha256(p).digest() for p in (p1, p2, p3))).digest()).decode() + '-3'
a = s3.get_object_attributes(Bucket='attrs', Key='mp', ObjectAttributes=['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'])
op = a['ObjectParts']
r['mp'] = [a['ETag'] == etag.strip('"'), a['Checksum'] == {'ChecksumSHA256': want}, op['TotalPartsCount'], op['IsTruncated'],
           [[p['PartNumber'], p['Size'], p.get('ChecksumSHA256') == sha(x)] for p, x in zip(op['Parts'], (p1, p2, p3))],
           a['StorageClass'], a['ObjectSize'], 'LastModified' in a]
pg = s3.get_object_attributes(Bucket='attrs', Key='mp', ObjectAttributes=['ObjectParts'], MaxParts=1, PartNumberMarker=1)
r['paged'] = [pg['ObjectParts']['IsTruncated'], pg['ObjectParts']['NextPartNumberMarker'], [p['PartNumber'] for p in pg['ObjectParts']['Parts']], 'ETag' in pg]
a = s3.get_object_attributes(Bucket='attrs', Key='plain', ObjectAttributes=['ETag', 'Checksum', 'ObjectParts', 'ObjectSize'])
r['plain'] = [a['ETag'] == hashlib.md5(b'hello').hexdigest(), a['Checksum'] == {'ChecksumSHA256': sha(b'hello')}, 'ObjectParts' in a, a['ObjectSize']]
r['missing'] = code_of(s3.get_object_attributes, Bucket='attrs', Key='nope', ObjectAttributes=['ETag'])
r['bad_attr'] = code_of(s3.get_object_attributes, Bucket='attrs', Key='mp', ObjectAttributes=['Colour'])
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      mp: [true, true, 3, false, [[1, 5242880, true], [2, 5242880, true], [3, 1234, true]], 'STANDARD', 10486994, true],
      paged: [true, 2, [2], false],
      plain: [true, true, false, 5],
      missing: ['NoSuchKey', 404],
      bad_attr: ['InvalidArgument', 400],
    });
  });

  it('GetObject and HeadObject ?partNumber: a multipart object\'s part with x-amz-mp-parts-count; a plain object is one part', async () => {
    const out = await py(String.raw`
r = {}
etag = s3.head_object(Bucket='attrs', Key='mp')['ETag']
for n, p in enumerate((p1, p2, p3), 1):
    g = s3.get_object(Bucket='attrs', Key='mp', PartNumber=n)
    r['part%d' % n] = [g['ResponseMetadata']['HTTPStatusCode'], g['Body'].read() == p, g['PartsCount'], g['ContentRange'], g['ETag'] == etag]
h = s3.head_object(Bucket='attrs', Key='mp', PartNumber=2)
r['head'] = [h['ResponseMetadata']['HTTPStatusCode'], h['ContentLength'], h['PartsCount'], h['ResponseMetadata']['HTTPHeaders'].get('content-range')]  # (Debian's botocore has no HeadObject ContentRange)
# With checksum mode, a part's own checksum (botocore checks the bytes against it).
g = s3.get_object(Bucket='attrs', Key='mp', PartNumber=2, ChecksumMode='ENABLED')
r['part_sum'] = [g['Body'].read() == p2, g.get('ChecksumSHA256') == sha(p2)]
r['part4'] = code_of(s3.get_object, Bucket='attrs', Key='mp', PartNumber=4)
g = s3.get_object(Bucket='attrs', Key='plain', PartNumber=1)
r['plain1'] = [g['ResponseMetadata']['HTTPStatusCode'], g['Body'].read().decode(), 'PartsCount' in g]
r['plain2'] = code_of(s3.get_object, Bucket='attrs', Key='plain', PartNumber=2)
r['with_range'] = code_of(s3.get_object, Bucket='attrs', Key='mp', PartNumber=1, Range='bytes=0-1')
r['zero'] = code_of(s3.get_object, Bucket='attrs', Key='mp', PartNumber=0)
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      part1: [206, true, 3, 'bytes 0-5242879/10486994', true],
      part2: [206, true, 3, 'bytes 5242880-10485759/10486994', true],
      part3: [206, true, 3, 'bytes 10485760-10486993/10486994', true],
      head: [206, 5242880, 3, 'bytes 5242880-10485759/10486994'],
      part_sum: [true, true],
      part4: ['InvalidPartNumber', 416],
      plain1: [206, 'hello', false],
      plain2: ['InvalidPartNumber', 416],
      with_range: ['InvalidRequest', 400],
      zero: ['InvalidArgument', 400],
    });
  });
});

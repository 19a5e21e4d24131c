/**
 * S3 ACLs through s3api with `s3_acl = yes` and `check_bucket_owner = yes`,
 * driven by boto3 and aws-cli: canned ACLs and grants on buckets and objects
 * (headers and AccessControlPolicy bodies), Get*Acl's XML, the errors, and
 * enforcement for a second user of the account (test:tester3, no Swift
 * rights of its own) denied or let in by grants, bucket creation left to the
 * account's Swift owners, and check_bucket_owner's ListBuckets.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SwiftCluster } from '../helpers/swift-cluster.js';
import { spawn } from 'node:child_process';
import { awsCli, boto3, S3_PIPELINE } from '../helpers/s3-clients.js';

/**
 * curl with no credentials, the bucket named by Host (virtual-hosted style): [status, body].
 * HEAD goes as `--head`: `-X HEAD` makes curl wait for the body Content-Length announces until
 * the server drops the idle connection (a minute). curl failing (a cut or short body) fails the test.
 */
function curl(port: number, host: string, path: string, method = 'GET'): Promise<[string, string]> {
  return new Promise((resolve, reject) => {
    const verb = method === 'HEAD' ? ['--head', '-o', '/dev/null'] : ['-X', method];
    const args = ['-sS', ...verb, '-H', `Host: ${host}`, '-w', '\n%{http_code}', `http://127.0.0.1:${port}${path}`];
    if (method === 'PUT') args.push('--data-binary', 'x');
    const child = spawn('curl', args);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) return reject(new Error(`curl ${args.join(' ')} exited ${code}: ${err}`));
      const nl = out.lastIndexOf('\n');
      resolve([out.slice(nl + 1), out.slice(0, nl)]);
    });
  });
}


const PRELUDE = String.raw`
t3 = client('test:tester3', 'testing3')
t2 = client('test:tester2', 'testing2')
def ok(fn, *a, **kw):
    c = code_of(fn, *a, **kw)
    return 'ok' if c is None else c
def grants(acl):
    return sorted([g['Permission'], g['Grantee'].get('ID') or g['Grantee'].get('URI'), g['Grantee']['Type']] for g in acl['Grants'])
`;

describe('s3api ACLs', () => {
  let cluster: SwiftCluster | undefined;
  let endpoint: string;
  let port: number;
  const py = (script: string) => boto3(endpoint, 'test:tester', 'testing', PRELUDE + script) as Promise<Record<string, unknown>>;

  before(async () => {
    cluster = await SwiftCluster.start({ backend: 'swiftly', inProcess: true });
    const proxy = await cluster.startProxy('', S3_PIPELINE, {
      s3api: { s3_acl: 'yes', check_bucket_owner: 'yes', storage_domain: 'example.net' },
      tempauth: { user_test_tester2: 'testing2 .admin', user_test_tester3: 'testing3' },
    });
    endpoint = `http://127.0.0.1:${proxy.port}`;
    port = proxy.port;
  });

  after(async () => {
    await cluster?.stop();
  });

  it('keeps a private bucket and object from another user until grants let them in', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='priv')
s3.put_object(Bucket='priv', Key='k', Body=b'secret')
acl = s3.get_bucket_acl(Bucket='priv')
r['bucket_acl'] = [acl['Owner'], grants(acl)]
oacl = s3.get_object_acl(Bucket='priv', Key='k')
r['object_acl'] = [oacl['Owner'], grants(oacl)]
r['denied'] = [code_of(t3.list_objects, Bucket='priv'), code_of(t3.head_bucket, Bucket='priv'), code_of(t3.get_object, Bucket='priv', Key='k'),
               code_of(t3.put_object, Bucket='priv', Key='x', Body=b'x'), code_of(t3.get_bucket_acl, Bucket='priv'),
               code_of(t3.delete_object, Bucket='priv', Key='k'), code_of(t3.delete_bucket, Bucket='priv'),
               code_of(t3.get_object, Bucket='priv', Key='missing'), code_of(t3.put_bucket_acl, Bucket='priv', ACL='public-read')]
r['taken'] = code_of(t3.create_bucket, Bucket='priv')
s3.put_bucket_acl(Bucket='priv', GrantRead='id=test:tester3', GrantWrite='id="test:tester3"')
r['bucket_grants'] = grants(s3.get_bucket_acl(Bucket='priv'))
r['listed'] = [o['Key'] for o in t3.list_objects(Bucket='priv')['Contents']]
r['object_still_private'] = code_of(t3.get_object, Bucket='priv', Key='k')
s3.put_object_acl(Bucket='priv', Key='k', GrantRead='id=test:tester3')
r['read'] = t3.get_object(Bucket='priv', Key='k')['Body'].read().decode()
r['read_acp_denied'] = code_of(t3.get_object_acl, Bucket='priv', Key='k')
t3.put_object(Bucket='priv', Key='mine', Body=b'by3')
r['writer_owns'] = t3.get_object_acl(Bucket='priv', Key='mine')['Owner']['ID']
r['bucket_owner_denied'] = code_of(s3.get_object, Bucket='priv', Key='mine')
t3.put_object(Bucket='priv', Key='shared', Body=b'by3', ACL='bucket-owner-full-control')
r['bucket_owner_full'] = [s3.get_object(Bucket='priv', Key='shared')['Body'].read().decode(), grants(s3.get_object_acl(Bucket='priv', Key='shared'))]
r['copy_source_missing'] = code_of(t3.copy_object, Bucket='priv', Key='c', CopySource={'Bucket': 'priv', 'Key': 'shared2'})
s3.put_object(Bucket='priv', Key='k2', Body=b'x')
r['copy_unreadable'] = code_of(t3.copy_object, Bucket='priv', Key='c', CopySource={'Bucket': 'priv', 'Key': 'k2'})
r['copy_readable'] = t3.copy_object(Bucket='priv', Key='c', CopySource={'Bucket': 'priv', 'Key': 'k'})['ResponseMetadata']['HTTPStatusCode']
r['copy_owner'] = t3.get_object_acl(Bucket='priv', Key='c')['Owner']['ID']
r['t3_creates'] = code_of(t3.create_bucket, Bucket='three')
r['t2_taken'] = code_of(t2.create_bucket, Bucket='priv')
t2.create_bucket(Bucket='two')
r['two_private'] = code_of(s3.list_objects, Bucket='two')
r['buckets'] = [[b['Name'] for b in c.list_buckets()['Buckets']] for c in (s3, t2, t3)]
print(json.dumps(r))
`);
    const owner = { DisplayName: 'test:tester', ID: 'test:tester' };
    assert.deepEqual(out, {
      bucket_acl: [owner, [['FULL_CONTROL', 'test:tester', 'CanonicalUser']]],
      object_acl: [owner, [['FULL_CONTROL', 'test:tester', 'CanonicalUser']]],
      denied: [['AccessDenied', 403], ['403', 403], ['AccessDenied', 403], ['AccessDenied', 403], ['AccessDenied', 403],
        ['AccessDenied', 403], ['AccessDenied', 403], ['AccessDenied', 403], ['AccessDenied', 403]],
      taken: ['AccessDenied', 403],
      bucket_grants: [['READ', 'test:tester3', 'CanonicalUser'], ['WRITE', 'test:tester3', 'CanonicalUser']],
      listed: ['k'],
      object_still_private: ['AccessDenied', 403],
      read: 'secret',
      read_acp_denied: ['AccessDenied', 403],
      writer_owns: 'test:tester3',
      bucket_owner_denied: ['AccessDenied', 403],
      bucket_owner_full: ['by3', [['FULL_CONTROL', 'test:tester', 'CanonicalUser'], ['FULL_CONTROL', 'test:tester3', 'CanonicalUser']]],
      copy_source_missing: ['NoSuchKey', 404],
      copy_unreadable: ['AccessDenied', 403],
      copy_readable: 200,
      copy_owner: 'test:tester3',
      t3_creates: ['AccessDenied', 403],
      t2_taken: ['BucketAlreadyExists', 409],
      two_private: ['AccessDenied', 403],
      buckets: [['priv'], ['two'], []],
    });
  });

  it('takes canned ACLs, grant headers and AccessControlPolicy bodies; refuses bad ones', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='canned', ACL='public-read')
r['create'] = grants(s3.get_bucket_acl(Bucket='canned'))
r['public_list'] = [o['Key'] for o in t3.list_objects(Bucket='canned').get('Contents', [])]
s3.put_object(Bucket='canned', Key='auth', Body=b'a', ACL='authenticated-read')
r['put'] = grants(s3.get_object_acl(Bucket='canned', Key='auth'))
r['auth_read'] = t3.get_object(Bucket='canned', Key='auth')['Body'].read().decode()
up = s3.create_multipart_upload(Bucket='canned', Key='mpu', ACL='public-read')['UploadId']
e = s3.upload_part(Bucket='canned', Key='mpu', UploadId=up, PartNumber=1, Body=b'p')['ETag']
s3.complete_multipart_upload(Bucket='canned', Key='mpu', UploadId=up, MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': e}]})
r['mpu'] = grants(s3.get_object_acl(Bucket='canned', Key='mpu'))
r['mpu_read'] = t3.get_object(Bucket='canned', Key='mpu')['Body'].read().decode()
s3.put_object_acl(Bucket='canned', Key='mpu', ACL='private')
r['mpu_private'] = [grants(s3.get_object_acl(Bucket='canned', Key='mpu')), code_of(t3.get_object, Bucket='canned', Key='mpu'),
                    s3.get_object(Bucket='canned', Key='mpu')['Body'].read().decode()]
s3.put_bucket_acl(Bucket='canned', AccessControlPolicy={
    'Owner': {'ID': 'test:tester'},
    'Grants': [{'Grantee': {'Type': 'Group', 'URI': 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers'}, 'Permission': 'WRITE'},
               {'Grantee': {'Type': 'CanonicalUser', 'ID': 'test:tester'}, 'Permission': 'FULL_CONTROL'}]})
r['policy'] = grants(s3.get_bucket_acl(Bucket='canned'))
r['bad_canned'] = code_of(s3.put_bucket_acl, Bucket='canned', ACL='nope')
r['bad_canned_put'] = code_of(s3.put_object, Bucket='canned', Key='x', Body=b'x', ACL='nope')
r['bad_canned_create'] = [code_of(s3.create_bucket, Bucket='never', ACL='nope'), code_of(s3.head_bucket, Bucket='never')]
r['both'] = code_of(s3.put_bucket_acl, Bucket='canned', ACL='private', GrantRead='id=x')
r['email'] = code_of(s3.put_bucket_acl, Bucket='canned', GrantRead='emailAddress=a@example.com')
r['bad_uri'] = code_of(s3.put_bucket_acl, Bucket='canned', GrantRead='uri=http://example.com/nobody')
r['bad_type'] = code_of(s3.put_bucket_acl, Bucket='canned', GrantRead='who=x')
r['new_owner'] = code_of(s3.put_bucket_acl, Bucket='canned', AccessControlPolicy={'Owner': {'ID': 'test:tester3'}, 'Grants': []})
r['no_bucket'] = code_of(s3.put_bucket_acl, Bucket='nothing', ACL='private')
r['no_key'] = code_of(s3.get_object_acl, Bucket='canned', Key='nothing')
import urllib.request
def raw(method, path, body, headers={}):
    from botocore.awsrequest import AWSRequest
    from botocore.auth import S3SigV4Auth
    req = AWSRequest(method=method, url=endpoint + path, data=body, headers=headers)
    S3SigV4Auth(boto3.Session(ak, sk).get_credentials(), 's3', 'us-east-1').add_auth(req)
    try:
        resp = urllib.request.urlopen(urllib.request.Request(req.url, data=body, headers=dict(req.headers), method=method))
        return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
def error_code(res):
    import re
    m = re.search('<Code>([^<]*)</Code>', res[1])
    return [res[0], m and m.group(1)]
r['malformed'] = error_code(raw('PUT', '/canned?acl', b'<AccessControlPolicy><Owner>'))
r['no_acl'] = error_code(raw('PUT', '/canned?acl', b''))
r['header_and_body'] = error_code(raw('PUT', '/canned?acl', b'<AccessControlPolicy><Owner><ID>test:tester</ID></Owner><AccessControlList/></AccessControlPolicy>', {'x-amz-acl': 'private'}))
xml = raw('GET', '/canned?acl', None)[1]
r['xml'] = ['xsi:type="Group"' in xml, 'xsi:type="CanonicalUser"' in xml, '<DisplayName>test:tester</DisplayName>' in xml]
print(json.dumps(r))
`);
    const AUTH = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
    const ALL = 'http://acs.amazonaws.com/groups/global/AllUsers';
    const full = ['FULL_CONTROL', 'test:tester', 'CanonicalUser'];
    assert.deepEqual(out, {
      create: [full, ['READ', ALL, 'Group']],
      public_list: [],
      put: [full, ['READ', AUTH, 'Group']],
      auth_read: 'a',
      mpu: [full, ['READ', ALL, 'Group']],
      mpu_read: 'p',
      mpu_private: [[full], ['AccessDenied', 403], 'p'],
      policy: [full, ['WRITE', AUTH, 'Group']],
      bad_canned: ['InvalidArgument', 400],
      bad_canned_put: ['InvalidArgument', 400],
      bad_canned_create: [['InvalidArgument', 400], ['404', 404]],
      both: ['InvalidRequest', 400],
      email: ['NotImplemented', 501],
      bad_uri: ['InvalidArgument', 400],
      bad_type: ['InvalidArgument', 400],
      new_owner: ['AccessDenied', 403],
      no_bucket: ['NoSuchBucket', 404],
      no_key: ['NoSuchKey', 404],
      malformed: [400, 'MalformedACLError'],
      no_acl: [400, 'MissingSecurityHeader'],
      header_and_body: [400, 'UnexpectedContent'],
      xml: [true, true, true],
    });
  });

  it('aws-cli: put-bucket-acl --acl public-read, grants, get-object-acl', async () => {
    const cli = (...args: string[]) => awsCli(endpoint, 'test:tester', 'testing', args);
    const cli3 = (...args: string[]) => awsCli(endpoint, 'test:tester3', 'testing3', args);
    assert.equal((await cli('s3api', 'create-bucket', '--bucket', 'cli')).code, 0);
    assert.equal((await cli('s3api', 'put-object', '--bucket', 'cli', '--key', 'o', '--acl', 'public-read')).code, 0);
    const denied = await cli3('s3api', 'list-objects-v2', '--bucket', 'cli');
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /AccessDenied/);
    const put = await cli('s3api', 'put-bucket-acl', '--bucket', 'cli', '--acl', 'public-read');
    assert.equal(put.code, 0, put.stderr);
    const listed = await cli3('s3api', 'list-objects-v2', '--bucket', 'cli');
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual((JSON.parse(listed.stdout) as { Contents: { Key: string }[] }).Contents.map((c) => c.Key), ['o']);
    const got = await cli('s3api', 'get-object-acl', '--bucket', 'cli', '--key', 'o');
    assert.equal(got.code, 0, got.stderr);
    const acl = JSON.parse(got.stdout) as { Owner: { ID: string }; Grants: { Permission: string; Grantee: { URI?: string; ID?: string } }[] };
    assert.equal(acl.Owner.ID, 'test:tester');
    assert.deepEqual(acl.Grants.map((g) => [g.Permission, g.Grantee.URI ?? g.Grantee.ID]).sort(), [
      ['FULL_CONTROL', 'test:tester'], ['READ', 'http://acs.amazonaws.com/groups/global/AllUsers'],
    ]);
    const grant = await cli('s3api', 'put-object-acl', '--bucket', 'cli', '--key', 'o', '--grant-full-control', 'id=test:tester3');
    assert.equal(grant.code, 0, grant.stderr);
    const asThree = await cli3('s3api', 'get-object-acl', '--bucket', 'cli', '--key', 'o');
    assert.equal(asThree.code, 0, asThree.stderr);
    assert.deepEqual((JSON.parse(asThree.stdout) as typeof acl).Grants.map((g) => [g.Permission, g.Grantee.ID]), [['FULL_CONTROL', 'test:tester3']]);
  });

  it('answers unsigned requests (curl, bucket by host) as the ACLs grant AllUsers, AccessDenied otherwise', async () => {
    await py(String.raw`
s3.create_bucket(Bucket='pub')
s3.put_object(Bucket='pub', Key='open', Body=b'hello world', ACL='public-read')
s3.put_object(Bucket='pub', Key='closed', Body=b'secret')
s3.create_bucket(Bucket='listed', ACL='public-read')
s3.put_object(Bucket='listed', Key='x', Body=b'x')
print('{}')
`);
    const code = (body: string) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    const open = await curl(port, 'pub.example.net', '/open');
    assert.deepEqual(open, ['200', 'hello world']);
    assert.equal((await curl(port, 'pub.example.net', '/open', 'HEAD'))[0], '200');
    const closed = await curl(port, 'pub.example.net', '/closed');
    assert.deepEqual([closed[0], code(closed[1])], ['403', 'AccessDenied']);
    const privateList = await curl(port, 'pub.example.net', '/');
    assert.deepEqual([privateList[0], code(privateList[1])], ['403', 'AccessDenied']);
    const list = await curl(port, 'listed.example.net', '/');
    assert.equal(list[0], '200');
    assert.match(list[1], /<Key>x<\/Key>/);
    const privateObject = await curl(port, 'listed.example.net', '/x');
    assert.deepEqual([privateObject[0], code(privateObject[1])], ['403', 'AccessDenied']);
    const missing = await curl(port, 'listed.example.net', '/missing');
    assert.deepEqual([missing[0], code(missing[1])], ['404', 'NoSuchKey']);
    const put = await curl(port, 'listed.example.net', '/new', 'PUT');
    assert.deepEqual([put[0], code(put[1])], ['403', 'AccessDenied']);
    const acl = await curl(port, 'listed.example.net', '/?acl');
    assert.deepEqual([acl[0], code(acl[1])], ['403', 'AccessDenied']);
    const unknown = await curl(port, 'nobody.example.net', '/k');
    assert.deepEqual([unknown[0], code(unknown[1])], ['403', 'AccessDenied']);
  });

  it('answers unsigned path-style reads (curl, /bucket/key) of buckets known as public as their ACLs grant; the proxy\'s own paths and other buckets stay Swift\'s', async () => {
    await py(String.raw`
s3.create_bucket(Bucket='ppub')
s3.put_object(Bucket='ppub', Key='open', Body=b'hello path', ACL='public-read')
s3.put_object(Bucket='ppub', Key='closed', Body=b'secret')
s3.create_bucket(Bucket='plisted', ACL='public-read')
s3.put_object(Bucket='plisted', Key='y', Body=b'y')
s3.create_bucket(Bucket='pprivate')
s3.put_object(Bucket='pprivate', Key='z', Body=b'z')
s3.create_bucket(Bucket='info', ACL='public-read')
print('{}')
`);
    const host = `127.0.0.1:${port}`;
    const code = (body: string) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];
    assert.deepEqual(await curl(port, host, '/ppub/open'), ['200', 'hello path']);
    assert.equal((await curl(port, host, '/ppub/open', 'HEAD'))[0], '200');
    const closed = await curl(port, host, '/ppub/closed');
    assert.deepEqual([closed[0], code(closed[1])], ['403', 'AccessDenied']);
    const privateList = await curl(port, host, '/ppub');
    assert.deepEqual([privateList[0], code(privateList[1])], ['403', 'AccessDenied']);
    for (const path of ['/plisted', '/plisted/']) {
      const list = await curl(port, host, path);
      assert.equal(list[0], '200', path);
      assert.match(list[1], /<ListBucketResult[\s\S]*<Key>y<\/Key>/, path);
    }
    const privateObject = await curl(port, host, '/plisted/y');
    assert.deepEqual([privateObject[0], code(privateObject[1])], ['403', 'AccessDenied']);
    const missing = await curl(port, host, '/plisted/missing');
    assert.deepEqual([missing[0], code(missing[1])], ['404', 'NoSuchKey']);
    // Not S3's: a write, a bucket never seen public, the proxy's own paths (a public bucket named info too).
    const swiftAnswer = async (path: string, method = 'GET') => {
      const [status, body] = await curl(port, host, path, method);
      return [status, code(body) ?? 'not S3'];
    };
    assert.deepEqual(await swiftAnswer('/plisted/new', 'PUT'), (await swiftAnswer('/nobody-here/new', 'PUT')));
    assert.notEqual((await swiftAnswer('/plisted/new', 'PUT'))[1], 'AccessDenied');
    assert.deepEqual((await swiftAnswer('/pprivate/z'))[1], 'not S3');
    const info = await curl(port, host, '/info');
    assert.equal(info[0], '200');
    assert.ok(JSON.parse(info[1]).swift, 'Swift\'s /info');
    assert.deepEqual(await swiftAnswer('/auth/v1.0'), ['401', 'not S3']);
    assert.deepEqual((await swiftAnswer('/v1/AUTH_test/ppub/open'))[0], '401');
  });
});

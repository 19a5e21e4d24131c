/**
 * S3 CORS through s3api: configurations set and read with aws-cli and
 * boto3 and checked (MalformedXML, InvalidRequest), browser preflights
 * (unsigned OPTIONS) answered from the bucket's rules or refused with 403
 * CORSResponse, Access-Control-* headers on signed requests with an Origin,
 * and Swift's own CORS preflights left to Swift.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { s3ProxyFixture } from '../helpers/s3-proxy-fixture.js';

describe('s3api CORS', () => {
  const s3 = s3ProxyFixture();
  const py = s3.py;
  const preflight = (path: string, origin: string | undefined, method: string, headers?: string) => fetch(`${s3.endpoint}${path}`, {
    method: 'OPTIONS',
    headers: {
      ...(origin ? { origin } : {}),
      'access-control-request-method': method,
      ...(headers ? { 'access-control-request-headers': headers } : {}),
    },
  });


  it('sets, reads and deletes rules with aws-cli; refuses bad ones', async () => {
    const cli = s3.cli;
    const mb = await cli('s3api', 'create-bucket', '--bucket', 'corscli');
    assert.equal(mb.code, 0, mb.stderr);
    assert.match((await cli('s3api', 'get-bucket-cors', '--bucket', 'corscli')).stderr, /NoSuchCORSConfiguration/);
    const conf = { CORSRules: [{ ID: 'web', AllowedHeaders: ['x-amz-*'], AllowedMethods: ['GET', 'PUT'], AllowedOrigins: ['https://*.example.com'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }] };
    const put = await cli('s3api', 'put-bucket-cors', '--bucket', 'corscli', '--cors-configuration', JSON.stringify(conf));
    assert.equal(put.code, 0, put.stderr);
    const got = await cli('s3api', 'get-bucket-cors', '--bucket', 'corscli');
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout), conf);
    const del = await cli('s3api', 'delete-bucket-cors', '--bucket', 'corscli');
    assert.equal(del.code, 0, del.stderr);
    assert.match((await cli('s3api', 'get-bucket-cors', '--bucket', 'corscli')).stderr, /NoSuchCORSConfiguration/);
    const out = await py(String.raw`
r = {}
put = lambda rules: code_of(s3.put_bucket_cors, Bucket='corscli', CORSConfiguration={'CORSRules': rules})
r['bad_method'] = put([{'AllowedMethods': ['PATCH'], 'AllowedOrigins': ['*']}])
r['two_wildcards'] = put([{'AllowedMethods': ['GET'], 'AllowedOrigins': ['https://*.*.com']}])
r['no_origin'] = put([{'AllowedMethods': ['GET'], 'AllowedOrigins': []}])
r['no_rules'] = put([])
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      bad_method: ['InvalidRequest', 400],
      two_wildcards: ['InvalidRequest', 400],
      no_origin: ['MalformedXML', 400],
      no_rules: ['MalformedXML', 400],
    });
  });

  it('answers preflights from the rules, and adds headers to signed requests with an Origin', async () => {
    const out = await py(String.raw`
r = {}
s3.create_bucket(Bucket='corsweb')
s3.put_object(Bucket='corsweb', Key='page.html', Body=b'<p>hi</p>')
s3.put_bucket_cors(Bucket='corsweb', CORSConfiguration={'CORSRules': [
    {'AllowedMethods': ['GET', 'HEAD'], 'AllowedOrigins': ['https://app.example.com'], 'AllowedHeaders': ['x-amz-*', 'content-type'], 'ExposeHeaders': ['ETag'], 'MaxAgeSeconds': 300},
    {'AllowedMethods': ['GET'], 'AllowedOrigins': ['*']},
]})
def add_origin(request, **kw):
    request.headers['Origin'] = 'https://app.example.com'
s3.meta.events.register('before-sign.s3.GetObject', add_origin)
h = s3.get_object(Bucket='corsweb', Key='page.html')['ResponseMetadata']['HTTPHeaders']
r['signed'] = [h.get('access-control-allow-origin'), h.get('access-control-allow-methods'), h.get('access-control-expose-headers'), h.get('access-control-allow-credentials')]
h2 = s3.head_object(Bucket='corsweb', Key='page.html')['ResponseMetadata']['HTTPHeaders']
r['no_origin'] = 'access-control-allow-origin' in h2
print(json.dumps(r))
`);
    assert.deepEqual(out, {
      signed: ['https://app.example.com', 'GET, HEAD', 'ETag', 'true'],
      no_origin: false,
    });
    const ok = await preflight('/corsweb/page.html', 'https://app.example.com', 'GET', 'X-Amz-Date, Content-Type');
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(ok.headers.get('access-control-allow-methods'), 'GET, HEAD');
    assert.equal(ok.headers.get('access-control-allow-headers'), 'x-amz-date, content-type');
    assert.equal(ok.headers.get('access-control-max-age'), '300');
    const star = await preflight('/corsweb', 'https://elsewhere.example.org', 'GET');
    assert.equal(star.status, 200);
    assert.equal(star.headers.get('access-control-allow-origin'), '*');
    const put = await preflight('/corsweb/page.html', 'https://elsewhere.example.org', 'PUT');
    assert.equal(put.status, 403);
    const body = await put.text();
    assert.match(body, /<Code>AccessForbidden<\/Code>/);
    assert.match(body, /CORSResponse/);
    const header = await preflight('/corsweb/page.html', 'https://app.example.com', 'GET', 'x-custom');
    assert.equal(header.status, 403);
    await header.text();
    const nocors = await preflight('/no-cors-bucket/k', 'https://app.example.com', 'GET');
    assert.equal(nocors.status, 403);
    assert.match(await nocors.text(), /CORS is not enabled for this bucket/);
    const noOrigin = await fetch(`${s3.endpoint}/corsweb/page.html`, { method: 'OPTIONS' });
    assert.notEqual(noOrigin.status, 200);
    await noOrigin.text();
  });

  it("leaves Swift's preflights to Swift", async () => {
    const swift = await preflight('/v1/AUTH_test/somecontainer', 'https://app.example.com', 'GET');
    const body = await swift.text();
    assert.doesNotMatch(body, /CORSResponse|<Error>/);
  });
});

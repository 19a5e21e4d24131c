/**
 * Every request method gets Swift 2.30's answer from the proxy (asked of
 * Debian's swift-proxy-server with the same pipeline): CONNECT and methods
 * Node's parser doesn't know go through the pipeline like any other (405
 * with the resource's Allow header, 404 for a path Swift can't split, 200
 * from healthcheck) instead of a dropped connection or Node's bare 400.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ProxyServer } from '../../proxy/index.js';
import { closedPort, startProxyOverNodes } from '../helpers/fake-nodes.js';
import { exchange } from '../helpers/raw-http.js';

const NOT_ALLOWED = '<html><h1>Method Not Allowed</h1><p>The method is not allowed for this resource.</p></html>';
const NOT_FOUND = '<html><h1>Not Found</h1><p>The resource could not be found.</p></html>';
const HTML = 'text/html; charset=UTF-8';
const sorted = (allow: string | undefined) => allow?.split(', ').sort().join(', ');

// What swift-proxy-server 2.30 answered (Allow sorted: Swift joins a set).
const SWIFT: [method: string, path: string, status: string, allow: string | undefined, body: string][] = [
  ['CONNECT', '/v1/AUTH_test/c/o', '405 Method Not Allowed', 'DELETE, GET, HEAD, OPTIONS, POST, PUT', NOT_ALLOWED],
  ['CONNECT', '/v1/AUTH_test', '405 Method Not Allowed', 'GET, HEAD, OPTIONS, POST', NOT_ALLOWED],
  ['CONNECT', 'example.com:443', '404 Not Found', undefined, NOT_FOUND],
  ['FOO', '/v1/AUTH_test', '405 Method Not Allowed', 'GET, HEAD, OPTIONS, POST', NOT_ALLOWED],
  ['FOO', '/v1/AUTH_test/c', '405 Method Not Allowed', 'DELETE, GET, HEAD, OPTIONS, POST, PUT', NOT_ALLOWED],
  ['FOO', '/v1/AUTH_test/c/o', '405 Method Not Allowed', 'DELETE, GET, HEAD, OPTIONS, POST, PUT', NOT_ALLOWED],
  ['FOO', '/info', '405 Method Not Allowed', 'GET, HEAD, OPTIONS', NOT_ALLOWED],
  ['get', '/info', '405 Method Not Allowed', 'GET, HEAD, OPTIONS', NOT_ALLOWED],
  ['PUT', '/v1/AUTH_test', '405 Method Not Allowed', 'GET, HEAD, OPTIONS, POST', NOT_ALLOWED],
  ['DELETE', '/v1/AUTH_test', '405 Method Not Allowed', 'GET, HEAD, OPTIONS, POST', NOT_ALLOWED],
  ['PROPFIND', '/v1/AUTH_test/c/o', '405 Method Not Allowed', 'DELETE, GET, HEAD, OPTIONS, POST, PUT', NOT_ALLOWED],
  ['M-SEARCH', '/info', '405 Method Not Allowed', 'GET, HEAD, OPTIONS', NOT_ALLOWED],
  ['PROPFIND', '/healthcheck', '200 OK', undefined, 'OK'],
  ['FOO', '/healthcheck', '200 OK', undefined, 'OK'],
  ['GET', '/', '404 Not Found', undefined, NOT_FOUND],
  ['GET', '/v1', '412 Precondition Failed', undefined, 'Bad URL'],
  ['GET', '/v1/', '412 Precondition Failed', undefined, 'Bad URL'],
];

describe('every request method gets an answer', () => {
  let proxy: ProxyServer;

  before(async () => {
    // No storage node answers: every answer here comes before any backend request.
    proxy = await startProxyOverNodes([await closedPort()], { filters: ['catch_errors', 'gatekeeper', 'healthcheck', 'tempauth'] });
  });
  after(async () => {
    await proxy?.close();
  });

  for (const [method, path, status, allow, body] of SWIFT) {
    it(`${method} ${path}: ${status}, as Swift`, async () => {
      const answers = await exchange(proxy.port, `${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
      assert.equal(answers.length, 1, 'one answer, not a dropped connection');
      const [a] = answers;
      assert.equal(a.status, status);
      assert.equal(sorted(a.headers.allow), allow);
      assert.equal(a.body, body);
      if (body.startsWith('<html>')) assert.equal(a.headers['content-type'], HTML);
      assert.match(a.headers['x-trans-id'] ?? '', /^tx[0-9a-f]{21}-[0-9a-f]{10}$/);
    });
  }

  it('answers an unknown method after a kept-alive request on the same connection, then closes it', async () => {
    const answers = await exchange(proxy.port,
      'GET /healthcheck HTTP/1.1\r\nHost: x\r\n\r\nFOO /info HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
    assert.deepEqual(answers.map((a) => a.status), ['200 OK', '405 Method Not Allowed']);
    assert.equal(answers[1].headers.connection, 'close');
    assert.equal(answers[1].headers.allow, 'GET, HEAD, OPTIONS');
  });

  it('answers CONNECT with a body-less 405 and closes the connection', async () => {
    const answers = await exchange(proxy.port, 'CONNECT /v1/AUTH_test/c/o HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.equal(answers.length, 1);
    assert.equal(answers[0].status, '405 Method Not Allowed');
    assert.equal(answers[0].headers.connection, 'close');
  });
});

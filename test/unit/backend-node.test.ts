import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeOrigin, parseHostPort } from '../../common/index.js';

test('a host as X-Container-Host and X-Account-Host name it, IPv4 or bracketed IPv6', () => {
  assert.deepEqual(parseHostPort('10.0.0.1:6201'), { ip: '10.0.0.1', port: 6201 });
  assert.deepEqual(parseHostPort('[::1]:6202'), { ip: '::1', port: 6202 });
  assert.equal(nodeOrigin(parseHostPort('[fe80::2]:6201')), 'http://[fe80::2]:6201');
  assert.equal(nodeOrigin({ ip: '10.0.0.1', port: 6200, replication_ip: '10.1.0.1', replication_port: 6300 }, true), 'http://10.1.0.1:6300');
  assert.equal(nodeOrigin({ ip: '10.0.0.1', port: 6200, replication_ip: '', replication_port: 0 }, true), 'http://10.0.0.1:6200');
});

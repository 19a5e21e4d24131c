/** Swift's device strings: search values, add values, set_info change values, address normalisation. */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  parseAddValue,
  parseChangeValue,
  parseSearchValue,
  validateAndNormalizeAddress,
  validateAndNormalizeIp,
} from '../../ring/index.js';

describe('parseSearchValue', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['d74', { id: 74 }],
    ['r4', { region: 4 }],
    ['z1', { zone: 1 }],
    ['z1-1.2.3.4', { zone: 1, ip: '1.2.3.4' }],
    ['1.2.3.4', { ip: '1.2.3.4' }],
    ['z1:5678', { zone: 1, port: 5678 }],
    [':5678', { port: 5678 }],
    ['R5.6.7.8', { replication_ip: '5.6.7.8' }],
    ['R:5678', { replication_port: 5678 }],
    ['1.2.3.4R5.6.7.8', { ip: '1.2.3.4', replication_ip: '5.6.7.8' }],
    ['/sdb1', { device: 'sdb1' }],
    ['_shiny', { meta: 'shiny' }],
    ['_"snet: 5.6.7.8"', { meta: '"snet: 5.6.7.8"' }],
    ['[::1]', { ip: '::1' }],
    ['z1-[::1]:5678', { zone: 1, ip: '::1', port: 5678 }],
    ['-[FE80::0:1]', { ip: 'fe80::1' }],
    ['d74r4z1-1.2.3.4:5678/sdb1_"snet: 5.6.7.8"', { id: 74, region: 4, zone: 1, ip: '1.2.3.4', port: 5678, device: 'sdb1', meta: '"snet: 5.6.7.8"' }],
    ['r1z1-127.0.0.1:6200R127.0.0.2:6300/sdb1_meta', { region: 1, zone: 1, ip: '127.0.0.1', port: 6200, replication_ip: '127.0.0.2', replication_port: 6300, device: 'sdb1', meta: 'meta' }],
  ];
  for (const [value, expected] of cases) {
    test(value, () => assert.deepEqual({ ...parseSearchValue(value) }, expected));
  }
  test('rejects leftovers and bad addresses', () => {
    assert.throws(() => parseSearchValue('x1'), /Invalid <search-value>/);
    assert.throws(() => parseSearchValue('z1-1.2.3.4:80?'), /Invalid <search-value>/);
    assert.throws(() => parseSearchValue('1.2.3.4.5'), /Invalid ip/);
    assert.throws(() => parseSearchValue('d'), /int/);
  });
});

describe('parseAddValue', () => {
  test('full and minimal forms', () => {
    assert.deepEqual(parseAddValue('r1z2-10.1.2.3:7878/sdf'), {
      region: 1, zone: 2, ip: '10.1.2.3', port: 7878, device: 'sdf', replication_ip: null, replication_port: null, meta: '',
    });
    assert.deepEqual(parseAddValue('z3-[::1]:6200R[::2]:6300/sdb_some meta'), {
      region: null, zone: 3, ip: '::1', port: 6200, device: 'sdb', replication_ip: '::2', replication_port: 6300, meta: 'some meta',
    });
  });
  test('errors as Swift words them', () => {
    assert.throws(() => parseAddValue('bogus'), /Invalid add value: bogus/);
    assert.throws(() => parseAddValue('z1-1.2.3.4/sdb'), /Invalid port in add value/);
    assert.throws(() => parseAddValue('z1-1.2.3.4:x/sdb'), /Invalid port :x in add value/);
    assert.throws(() => parseAddValue('z1-1.2.3.4:80'), /Invalid add value/);
    assert.throws(() => parseAddValue('z1-1.2.3.4:80/ sdb'), /Invalid device name/);
    assert.throws(() => parseAddValue('z1-host.example:80/sdb'), /Invalid ip/);
  });
});

describe('parseChangeValue', () => {
  test('any subset of address, replication address, device and meta', () => {
    assert.deepEqual({ ...parseChangeValue('10.0.0.9:6201/sdc') }, { ip: '10.0.0.9', port: 6201, device: 'sdc' });
    assert.deepEqual({ ...parseChangeValue('_newmeta') }, { meta: 'newmeta' });
    assert.deepEqual({ ...parseChangeValue(':6300R10.0.0.1:7300') }, { port: 6300, replication_ip: '10.0.0.1', replication_port: 7300 });
    assert.throws(() => parseChangeValue(''), /Invalid set info change value/);
    assert.throws(() => parseChangeValue('zz'), /Invalid set info change value/);
  });
});

describe('address normalisation', () => {
  test('lower-cases and compresses IPv6, keeps IPv4 and hostnames', () => {
    assert.equal(validateAndNormalizeIp('FE80:0:0:0:0:0:0:1'), 'fe80::1');
    assert.equal(validateAndNormalizeIp('10.0.0.1'), '10.0.0.1');
    assert.throws(() => validateAndNormalizeIp('example.com'), /Invalid ip/);
    assert.equal(validateAndNormalizeAddress('Storage-1.Example.COM'), 'storage-1.example.com');
    assert.equal(validateAndNormalizeAddress('[::1]'), '::1');
    assert.throws(() => validateAndNormalizeAddress('-bad-.host'), /Invalid address/);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDeleteHeaders, InvalidArgumentError, normalizeDeleteAt } from '../../common/index.js';
import { configObjectExpiration } from '../../proxy/controllers/object-updates.js';

const NOW = 1000.5;

// Each answer is what Swift 2.30's check_delete_headers gave for the same
// headers on a request stamped 1000.50000.
const accepted: [Record<string, string>, string | undefined][] = [
  [{}, undefined],
  [{ 'x-delete-at': '1001' }, '1001'],
  [{ 'x-delete-at': ' +1001 ' }, ' +1001 '],
  [{ 'x-delete-after': '1' }, '0000001001'],
  [{ 'x-delete-after': ' +5 ' }, '0000001005'],
  [{ 'x-delete-at': '-5', 'x-backend-replication': 'true' }, '-5'],
  [{ 'x-delete-at': '5000', 'x-delete-after': '10' }, '0000001010'],
  [{ 'x-delete-after': '99999999999' }, '9999999999'],
  [{ 'x-delete-at': '99999999999' }, '99999999999'],
];
const refused: [Record<string, string>, string][] = [
  [{ 'x-delete-at': '1000' }, 'X-Delete-At in past'],
  [{ 'x-delete-after': '0' }, 'X-Delete-After in past'],
  [{ 'x-delete-after': '-1' }, 'X-Delete-After in past'],
  [{ 'x-delete-at': '-5', 'x-backend-replication': 'no' }, 'X-Delete-At in past'],
  [{ 'x-delete-at': '1.5e9' }, 'Non-integer X-Delete-At'],
  [{ 'x-delete-after': 'x' }, 'Non-integer X-Delete-After'],
];

test('checkDeleteHeaders answers as Swift check_delete_headers', () => {
  for (const [headers, deleteAt] of accepted) assert.equal(checkDeleteHeaders(headers, NOW), deleteAt, JSON.stringify(headers));
  for (const [headers, message] of refused) {
    assert.throws(() => checkDeleteHeaders(headers, NOW), (err) => err instanceof InvalidArgumentError && err.message === message, JSON.stringify(headers));
  }
});

test('normalizeDeleteAt clamps to ten digits', () => {
  assert.equal(normalizeDeleteAt(-3), '0000000000');
  assert.equal(normalizeDeleteAt(1234.9), '0000001234');
  assert.equal(normalizeDeleteAt(1e12), '9999999999');
});

test('the proxy sends on a normalized X-Delete-At and no X-Delete-After', () => {
  const h: Record<string, string> = { 'x-delete-at': ' +1001 ' };
  assert.equal(configObjectExpiration(h, NOW), undefined);
  assert.deepEqual(h, { 'x-delete-at': '0000001001' });
  const after: Record<string, string> = { 'x-delete-at': '5000', 'x-delete-after': '10' };
  assert.equal(configObjectExpiration(after, NOW), undefined);
  assert.deepEqual(after, { 'x-delete-at': '0000001010' });
});

test('the proxy answers a bad delete header with Swift 400 and text body', async () => {
  const resp = configObjectExpiration({ 'x-delete-after': 'x' }, NOW);
  assert.equal(resp?.status, 400);
  assert.equal(resp?.headers['content-type'], 'text/plain');
});

// Swift's proxy runs the same check_delete_headers as the object server, so
// an X-Delete-At in the past passes when X-Backend-Replication is true (the
// proxy's own copy ignored that header).
test('the proxy lets a replication request keep a past X-Delete-At', () => {
  const h: Record<string, string> = { 'x-delete-at': '5', 'x-backend-replication': 'true' };
  assert.equal(configObjectExpiration(h, NOW), undefined);
  assert.equal(h['x-delete-at'], '0000000005');
});

/**
 * Listing bodies are byte for byte what Swift's servers write: JSON as
 * Python's json.dumps (", " and ": ", non-ASCII and DEL as \uXXXX), checked
 * against Debian's Python itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { pythonJson } from '../../storage/db/listing-format.js';
import { SWIFT_PYTHON } from '../helpers/swift-python.js';

/** json.dumps of `value` (sent as JSON, read back with its key order) by Python. */
function pythonDumps(value: unknown): string {
  return execFileSync(SWIFT_PYTHON, ['-c', 'import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read())))'], {
    input: JSON.stringify(value), encoding: 'utf8', maxBuffer: 64 << 20,
  });
}

const NAMES = [
  'plain', 'with space', 'quote"d', 'back\\slash', 'tab\there', 'new\nline', 'ctrl\x01\x1f', 'del\x7f',
  'café', '日本語', 'emoji \u{1f600}', 'a,b:c', '{"not": "json"}', '',
];

test('an object listing is json.dumps of its records, whatever the names', { timeout: 10_000 }, () => {
  const records = [
    ...NAMES.map((name, i) => ({ bytes: i * 1000, hash: 'd41d8cd98f00b204e9800998ecf8427e', name, content_type: 'text/plain; charset=é', last_modified: '2026-12-02T09:00:00.000000' })),
    { subdir: 'dir/é/' },
  ];
  assert.equal(pythonJson(records), pythonDumps(records));
});

test('an account listing and empty ones are json.dumps too', { timeout: 10_000 }, () => {
  const records = [{ name: 'c\x7f', count: 0, bytes: 0, last_modified: '2026-12-02T09:00:00.000000' }, { subdir: 'x/' }];
  assert.equal(pythonJson(records), pythonDumps(records));
  assert.equal(pythonJson([]), '[]');
  assert.equal(pythonJson([{}]), pythonDumps([{}]));
});

test('10,000 records come out as one flat string equal to Python\'s', { timeout: 20_000 }, () => {
  const records = Array.from({ length: 10_000 }, (_, i) => ({ bytes: 4096, hash: 'd41d8cd98f00b204e9800998ecf8427e', name: `o${i}-\u00e9`, content_type: 'application/octet-stream', last_modified: '2026-12-02T09:00:00.000000' }));
  assert.equal(pythonJson(records), pythonDumps(records));
});

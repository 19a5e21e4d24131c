/** The multi-host bed's acknowledged-write ledger: what a key may read as, and how a wrong read is named. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ledger } from '../helpers/multihost/ledger.js';

describe('acknowledged-write ledger', () => {
  it('allows the last acknowledged write, and unknown writes after it', () => {
    const l = new Ledger();
    const a = l.begin('k', 'put');
    l.ack(a);
    const b = l.begin('k', 'put'); // never acknowledged: may or may not have landed
    assert.deepEqual([...l.allowed('k')].sort(), [a.version, b.version].sort());
    assert.equal(l.verdict('k', b.version!), 'ok');
    assert.equal(l.verdict('k', a.version!), 'ok');
    assert.equal(l.verdict('k', null), 'lost');
  });

  it('names an older version stale and a deleted one come back resurrected', () => {
    const l = new Ledger();
    const a = l.begin('k', 'put');
    l.ack(a);
    const b = l.begin('k', 'put');
    l.ack(b);
    assert.equal(l.verdict('k', a.version!), 'stale');
    l.ack(l.begin('k', 'delete'));
    assert.equal(l.verdict('k', null), 'ok');
    assert.equal(l.verdict('k', b.version!), 'resurrected');
  });

  it('allows absent for a key with no acknowledged write, and counts', () => {
    const l = new Ledger();
    const a = l.begin('k', 'put');
    assert.equal(l.verdict('k', null), 'ok');
    assert.equal(l.verdict('k', a.version!), 'ok');
    l.ack(l.begin('j', 'delete'));
    assert.deepEqual(l.counts(), { acked: 1, ackedPuts: 0, ackedDeletes: 1, unknown: 1 });
  });
});

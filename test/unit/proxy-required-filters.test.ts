/**
 * Swift's required_filters: a proxy pipeline missing catch_errors,
 * gatekeeper, listing_formats, copy, dlo or versioned_writes gets each where
 * Swift 2.30's modify_wsgi_pipeline puts it. The expected pipelines are what
 * Swift's own `required_filters` list gives for the same input.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { FilterFactory, PipelineSpec, Registry } from '../../proxy/index.js';
import { withRequiredFilters, makeRegistry } from '../../proxy/index.js';

const passThrough: FilterFactory = () => (next) => next;
const ALL = ['catch_errors', 'gatekeeper', 'healthcheck', 'proxy_logging', 'memcache', 'listing_formats', 'tempauth', 'copy', 'slo', 'dlo', 'versioned_writes'];
const registryWith = (entries: string[]): Registry => ({ filters: new Map(entries.map((e) => [e, passThrough])), apps: new Map() });

function spec(entries: string[], app = 'proxy'): PipelineSpec {
  return { filters: entries.map((e) => ({ name: `f-${e}`, entry: e, conf: {} })), app: { name: 'proxy-server', entry: app, conf: {} } };
}

const entriesOf = (r: { spec: PipelineSpec }): string[] => r.spec.filters.map((f) => f.entry);

describe("required filters, where Swift 2.30 inserts them", () => {
  const registry = registryWith(ALL);
  const cases: [string[], string[]][] = [
    [[], ['catch_errors', 'gatekeeper', 'listing_formats', 'copy', 'dlo', 'versioned_writes']],
    [['catch_errors', 'proxy_logging'], ['catch_errors', 'gatekeeper', 'proxy_logging', 'listing_formats', 'copy', 'dlo', 'versioned_writes']],
    [['healthcheck', 'tempauth'], ['catch_errors', 'gatekeeper', 'listing_formats', 'healthcheck', 'tempauth', 'copy', 'dlo', 'versioned_writes']],
    [
      ['catch_errors', 'gatekeeper', 'healthcheck', 'proxy_logging', 'memcache', 'tempauth', 'slo', 'proxy_logging'],
      ['catch_errors', 'gatekeeper', 'healthcheck', 'proxy_logging', 'memcache', 'listing_formats', 'tempauth', 'copy', 'dlo', 'slo', 'versioned_writes', 'proxy_logging'],
    ],
    [
      ['proxy_logging', 'memcache', 'tempauth', 'slo', 'proxy_logging'],
      ['catch_errors', 'gatekeeper', 'proxy_logging', 'memcache', 'listing_formats', 'tempauth', 'copy', 'dlo', 'slo', 'versioned_writes', 'proxy_logging'],
    ],
  ];
  for (const [input, expected] of cases) {
    it(`[${input.join(' ')}] → [${expected.join(' ')}]`, () => {
      const out = withRequiredFilters(spec(input), registry, {});
      assert.deepEqual(entriesOf(out), expected);
      assert.deepEqual(out.added.map((a) => a.entry).sort(), expected.filter((e) => !input.includes(e)).sort());
      for (const a of out.added) assert.equal(out.spec.filters[a.index].entry, a.entry, `${a.entry} reported at its final index`);
    });
  }

  it('leaves a complete pipeline as it is', () => {
    const full = ['catch_errors', 'gatekeeper', 'listing_formats', 'tempauth', 'copy', 'dlo', 'versioned_writes'];
    const out = withRequiredFilters(spec(full), registry, {});
    assert.deepEqual(out.added, []);
    assert.deepEqual(out.spec.filters.map((f) => f.name), full.map((e) => `f-${e}`));
  });

  it('gives an inserted filter the [DEFAULT] options only', () => {
    const out = withRequiredFilters(spec(['tempauth']), registry, { swift_dir: '/x' });
    assert.deepEqual(out.spec.filters.find((f) => f.entry === 'gatekeeper')!.conf, { swift_dir: '/x' });
  });

  it('skips dlo and versioned_writes while the registry lacks them, and names them', () => {
    const out = withRequiredFilters(spec(['tempauth']), registryWith(ALL.filter((e) => e !== 'dlo' && e !== 'versioned_writes')), {});
    assert.deepEqual(out.spec.filters.map((f) => f.entry), ['catch_errors', 'gatekeeper', 'listing_formats', 'tempauth', 'copy']);
    assert.deepEqual(out.unavailable.sort(), ['dlo', 'versioned_writes']);
  });

  it("leaves other apps' pipelines alone", () => {
    const out = withRequiredFilters(spec(['healthcheck'], 'object'), registry, {});
    assert.deepEqual(out.spec.filters.map((f) => f.entry), ['healthcheck']);
  });

  it("swiftly's registry has every required filter but dlo and versioned_writes, or all of them", () => {
    const out = withRequiredFilters(spec([]), makeRegistry(() => async () => ({ status: 200, headers: {} })), {});
    for (const e of ['catch_errors', 'gatekeeper', 'listing_formats', 'copy']) assert.ok(entriesOf(out).includes(e), e);
    assert.deepEqual(out.unavailable.filter((e) => e !== 'dlo' && e !== 'versioned_writes'), []);
  });
});

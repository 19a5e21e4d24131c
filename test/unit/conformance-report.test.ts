/**
 * `npm run test:conformance`'s judgement and cluster config: which tests fail
 * the run, which are owned up to by the expected-failures list, which listed
 * tests to strike, and the reference pipeline cut to the registry.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { judge, parseExpected, parseResults, formatVerdict, countStatuses, strikeFromExpected } from '../../bench/conformance/report.js';
import { conformancePipeline, conformanceProxyConf } from '../../bench/conformance/proxy-conf.js';
import { rerunRequired, RERUNS } from '../../bench/conformance/rerun.js';
import { parseIni, getSection } from '../../common/index.js';
import { FILTERS } from '../../proxy/index.js';

const BASELINE = parseResults(`PASSED t.py::A::ok
PASSED t.py::A::listed
PASSED t.py::A::fixed
PASSED t.py::A::broken
PASSED t.py::A::skipped_here
FAILED t.py::A::swift_fails
SKIPPED t.py::A::swift_skips
PASSED t.py::B::not_run
`);

const EXPECTED = parseExpected(`# comment
## slo: not implemented
t.py::A::listed
t.py::A::fixed

## wrong entry
t.py::A::swift_fails
`);

describe('conformance verdict', () => {
  const results = parseResults(`PASSED t.py::A::ok
FAILED t.py::A::listed
PASSED t.py::A::fixed
ERROR t.py::A::broken
SKIPPED t.py::A::skipped_here
FAILED t.py::A::swift_fails
FAILED t.py::A::swift_skips
`);
  const v = judge(results, BASELINE, EXPECTED);

  it('fails on a test Swift passes that is not on the list, whether it failed, errored or skipped', () => {
    assert.deepEqual(v.unexpected.map((u) => u.id), ['t.py::A::broken', 't.py::A::skipped_here']);
  });

  it('owns up to listed tests, and ignores tests Swift itself does not pass', () => {
    assert.deepEqual(v.deviations.map((d) => [d.id, d.expected]), [
      ['t.py::A::listed', 'slo: not implemented'],
      ['t.py::A::broken', undefined],
      ['t.py::A::skipped_here', undefined],
    ]);
  });

  it('reports listed tests that pass now, and list entries Swift does not pass', () => {
    assert.deepEqual(v.nowPassing, [{ id: 't.py::A::fixed', reason: 'slo: not implemented' }]);
    assert.deepEqual(v.badEntries, ['t.py::A::swift_fails']);
  });

  it('counts both sides over the tests that ran', () => {
    assert.deepEqual(v.swiftly, { passed: 2, failed: 3, skipped: 1, errors: 1, other: 0 });
    assert.deepEqual(v.swift, { passed: 5, failed: 1, skipped: 1, errors: 0, other: 0 });
    const text = formatVerdict(v, countStatuses(BASELINE.values()), false);
    assert.match(text, /swiftly\s+passed=2 failed=3 skipped=1 errors=1/);
    assert.match(text, /Swift 2\.30\.1\s+passed=5 failed=1 skipped=1/);
    assert.match(text, /RESULT: FAILED: 2 test/);
  });

  it('passes when every deviation is listed', () => {
    const ok = judge(parseResults('PASSED t.py::A::ok\nFAILED t.py::A::listed\n'), BASELINE, EXPECTED);
    assert.equal(ok.unexpected.length, 0);
    assert.match(formatVerdict(ok, countStatuses(BASELINE.values()), false), /RESULT: ok/);
  });

  it('holds required tests (run again set up to run) to passing, whatever the baseline says', () => {
    const rerun = parseResults('SKIPPED t.py::A::swift_skips\nPASSED t.py::A::ok\n');
    const v2 = judge(rerun, BASELINE, EXPECTED, new Set(['t.py::A::swift_skips']));
    assert.deepEqual(v2.unexpected, [{ id: 't.py::A::swift_skips', status: 'SKIPPED' }]);
    assert.equal(judge(parseResults('PASSED t.py::A::swift_skips\n'), BASELINE, EXPECTED, new Set(['t.py::A::swift_skips'])).unexpected.length, 0);
    // Listing a required test is no wrong entry, though Swift's baseline skipped it.
    const listed = parseExpected('## x\nt.py::A::swift_skips\n');
    const v3 = judge(parseResults('FAILED t.py::A::swift_skips\n'), BASELINE, listed, new Set(['t.py::A::swift_skips']));
    assert.deepEqual([v3.unexpected, v3.badEntries], [[], []]);
  });

  it('requires every baseline test of the files run again, but those that skip themselves on Swift too', () => {
    const baseline = parseResults(`SKIPPED test/functional/test_domain_remap.py::T::a
SKIPPED test/functional/test_staticweb.py::TestStaticWebUTF8::test_redirect_slash_anon_remap_cont
SKIPPED test/functional/test_staticweb.py::TestStaticWeb::test_redirect_slash_anon_remap_cont
PASSED test/functional/test_object.py::T::b
`);
    assert.deepEqual([...rerunRequired(baseline)].sort(), [
      'test/functional/test_domain_remap.py::T::a',
      'test/functional/test_staticweb.py::TestStaticWeb::test_redirect_slash_anon_remap_cont',
    ]);
    assert.equal(RERUNS[0].conf('insecure = no\nstorage_domain =\n'), 'insecure = no\nstorage_domain = example.net\n');
  });

  it('rejects a list naming a test twice and lines that are not results', () => {
    assert.throws(() => parseExpected('a::b\n## x\na::b\n'), /twice/);
    assert.throws(() => parseResults('OK a::b\n'), /STATUS/);
  });
});

describe('striking tests that pass now from the list', () => {
  it('drops their lines, and a heading left with no test', () => {
    const text = '# header\n\n## a\nt::1\nt::2\n\n## b\nt::3\n\n## c\nt::4\n';
    assert.equal(strikeFromExpected(text, new Set(['t::1', 't::3'])), '# header\n\n## a\nt::2\n\n## c\nt::4\n');
    assert.equal(strikeFromExpected(text, new Set(['t::4'])), '# header\n\n## a\nt::1\nt::2\n\n## b\nt::3\n');
  });
});

describe('the repo expected-failures list', () => {
  it('parses, and every entry is a pytest id of the suite', () => {
    const path = fileURLToPath(new URL('../../../bench/conformance/expected-failures.txt', import.meta.url));
    const list = parseExpected(readFileSync(path, 'utf8'));
    for (const id of list.keys()) assert.match(id, /^test\/functional\/\S+\.py::\S+$/);
  });
});

describe('conformance cluster config', () => {
  it("keeps the reference pipeline's filters the registry has, in order, and names the rest", () => {
    const { pipeline, leftOut } = conformancePipeline(new Set(['catch_errors', 'tempauth', 'slo', 'proxy_logging']));
    assert.deepEqual(pipeline, ['catch_errors', 'proxy-logging', 'tempauth', 'slo', 'proxy-logging', 'proxy-server']);
    assert.ok(leftOut.includes('dlo') && leftOut.includes('s3api') && !leftOut.includes('slo'));
  });

  it("writes a proxy-server.conf swiftly's pipeline reader accepts, with the suite's users and prefixes", () => {
    const ini = parseIni(conformanceProxyConf(FILTERS, { host: '127.0.0.1', port: 1234 }, '/x/etc'));
    const names = getSection(ini, 'pipeline:main')!.pipeline.split(/\s+/);
    assert.equal(names.at(-1), 'proxy-server');
    for (const name of names.slice(0, -1)) {
      const entry = /^egg:swift#(\S+)$/.exec(getSection(ini, `filter:${name}`)!.use)![1];
      assert.ok(FILTERS.has(entry), `${name} → ${entry} is registered`);
    }
    const auth = getSection(ini, 'filter:tempauth')!;
    assert.equal(auth.reseller_prefix, 'AUTH, SERVICE');
    // Key case as written (paste.deploy keeps it; our INI reader folds it).
    assert.equal(auth.SERVICE_require_group ?? auth.service_require_group, 'service');
    assert.equal(auth.user_test5_tester5, 'testing5 service');
    assert.equal(Object.keys(auth).find((k) => k.startsWith('user_')), 'user_admin_admin');
    assert.equal(getSection(ini, 'app:proxy-server')!.allow_account_management, 'true');
    assert.equal(ini.defaults.bind_port, '1234');
  });
});

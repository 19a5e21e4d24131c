/**
 * Test files the shared runner's test.conf keeps from running, run again
 * with pytest directly: the runner writes an empty `storage_domain`, so
 * test_domain_remap.py and test_staticweb.py's remap tests skip (the
 * reference run had no domain_remap). Our
 * conformance proxy has domain_remap with STORAGE_DOMAIN; this runs the
 * files a second time with a test.conf naming it, in the environment
 * run-swift-functional.sh sets up, its results in a folder of their own.
 * These tests must pass: Swift's own in-process functional run passes them
 * with the same storage_domain.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { STORAGE_DOMAIN } from './proxy-conf.js';
import { parseResults, type Status } from './report.js';

/** A file to run again and the test.conf line that lets it run. */
export interface Rerun {
  file: string;
  /** Rewrites the runner's test.conf. */
  conf: (testConf: string) => string;
  /** Tests of the file that skip themselves whatever the cluster (Swift's own run skips them too). */
  skippedBySwift?: readonly string[];
}

const withStorageDomain = (text: string): string => text.replace(/^storage_domain *=.*$/m, `storage_domain = ${STORAGE_DOMAIN}`);

/** test_staticweb.py's `*_remap_*` tests reach staticweb through domain_remap's host names. */
export const RERUNS: readonly Rerun[] = [
  { file: 'test/functional/test_domain_remap.py', conf: withStorageDomain },
  {
    file: 'test/functional/test_staticweb.py',
    conf: withStorageDomain,
    // "Can't remap UTF8 containers"
    skippedBySwift: ['TestStaticWebUTF8::test_redirect_slash_anon_remap_cont', 'TestStaticWebUTF8::test_redirect_slash_auth_remap_cont'],
  },
];

/**
 * The tests the reruns hold to passing: every test of their files the
 * baseline names, but those that skip themselves on Swift too.
 */
export function rerunRequired(baseline: ReadonlyMap<string, Status>): Set<string> {
  const out = new Set<string>();
  for (const r of RERUNS) {
    const own = new Set((r.skippedBySwift ?? []).map((t) => `${r.file}::${t}`));
    for (const id of baseline.keys()) if (id.startsWith(`${r.file}::`) && !own.has(id)) out.add(id);
  }
  return out;
}

/** Whether the first run selected any test of `file` (a run of other files or a -k that missed it leaves it out). */
export function ranFile(results: ReadonlyMap<string, Status>, file: string): boolean {
  return [...results.keys()].some((id) => id.startsWith(`${file}::`));
}

/**
 * Runs `rerun.file` again against the same cluster (`args`: the run's extra
 * pytest arguments), its outputs in `<resultsDir>/<file's name>/`; resolves
 * to its results (empty when it could not run).
 */
export async function runAgain(suiteDir: string, resultsDir: string, rerun: Rerun, args: string[]): Promise<Map<string, Status>> {
  const name = rerun.file.replace(/^.*\//, '').replace(/\.py$/, '');
  const outDir = join(resultsDir, name);
  mkdirSync(outDir, { recursive: true });
  const state = mkdtempSync(join(tmpdir(), `swiftly-conformance-${name}-`));
  try {
    mkdirSync(join(state, 'home'));
    const conf = join(state, 'test.conf');
    writeFileSync(conf, rerun.conf(readFileSync(join(resultsDir, 'test.conf'), 'utf8')));
    writeFileSync(join(outDir, 'test.conf'), readFileSync(conf));
    const swiftSrc = join(suiteDir, 'swift-2.30.1');
    // What run-swift-functional.sh exports (and unsets) around its pytest.
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const k of ['http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY', 'SWIFT_TEST_POLICY', 'SWIFT_TEST_IN_PROCESS_CONF_LOADER',
      'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_S3',
      'OS_AUTH_URL', 'OS_USERNAME', 'OS_PASSWORD', 'OS_PROJECT_NAME', 'OS_STORAGE_URL', 'OS_AUTH_TOKEN', 'ST_AUTH', 'ST_USER', 'ST_KEY']) delete env[k];
    Object.assign(env, {
      no_proxy: '127.0.0.1,localhost,::1', NO_PROXY: '127.0.0.1,localhost,::1',
      SWIFT_TEST_CONFIG_FILE: conf, SWIFT_TEST_IN_PROCESS: '0', SWIFT_TEST_QUIET_BOTO_LOGS: '1',
      HOME: join(state, 'home'), BOTO_CONFIG: '/dev/null',
      AWS_CONFIG_FILE: join(state, 'home', 'aws-config'), AWS_SHARED_CREDENTIALS_FILE: join(state, 'home', 'aws-creds'),
      PYTHONPYCACHEPREFIX: join(state, 'pycache'), PYTHONPATH: `${swiftSrc}:${join(suiteDir, 'lib')}`,
      ACCEPTANCE_RESULTS_DIR: outDir, ACCEPTANCE_SUITE: `swift-functional-${name}`, PYTHONWARNINGS: 'ignore::DeprecationWarning',
    });
    const pytestArgs = [
      '-m', 'pytest', '-p', 'acceptance_results', '-p', 'no:cacheprovider', '-o', 'python_files=test_*.py tests.py',
      '-o', 'junit_family=xunit1', `--junitxml=${join(outDir, 'junit.xml')}`, '--timeout=300', '-rfE', '--tb=short', rerun.file, ...args,
    ];
    const log = join(outDir, 'pytest.log');
    await new Promise<void>((resolveRun, reject) => {
      const child = spawn(process.env.PYTHON ?? '/usr/bin/python3', pytestArgs, { cwd: swiftSrc, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const chunks: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => chunks.push(d));
      child.stderr.on('data', (d: Buffer) => chunks.push(d));
      child.once('error', reject);
      child.once('close', () => {
        writeFileSync(log, Buffer.concat(chunks));
        resolveRun();
      });
    });
    const results = join(outDir, 'results.txt');
    return existsSync(results) ? parseResults(readFileSync(results, 'utf8')) : new Map();
  } finally {
    rmSync(state, { recursive: true, force: true });
  }
}

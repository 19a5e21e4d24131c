/**
 * `npm run test:conformance [-- pytest args]`: OpenStack Swift's own
 * functional suite (../shared/conformance) against a fresh all-in-one
 * swiftly cluster (what `swiftly start` runs) set up as the suite expects,
 * judged against real Swift 2.30.1's outcome per test.
 *
 * Exit status: 0 when every test real Swift passes either passed or is on
 * bench/conformance/expected-failures.txt; 1 when another one did not pass;
 * 2 when the suite could not run.
 *
 * Environment:
 *   SWIFTLY_CONFORMANCE_DIR   the suite's folder [<repo>/../shared/conformance]
 *   SWIFT_FT_PATHS            test files to run, relative to the swift tree [all]
 *   CONFORMANCE_PORT          the proxy's port [a free one]
 *   CONFORMANCE_RESULTS_DIR   where results go [<repo>/conformance-results/<time>-<pid>]
 *   CONFORMANCE_KEEP=1        keep the cluster's folder (its path is printed)
 *   CONFORMANCE_STRIKE=1      strike the listed tests that passed from the expected-failures list
 */
import { spawn } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILTERS } from '../../proxy/index.js';
import type { AllInOne } from '../../cli/cluster/all-in-one.js';
import { freePort, startConformanceCluster } from './cluster.js';
import { conformancePipeline } from './proxy-conf.js';
import { countStatuses, formatCounts, formatVerdict, judge, parseExpected, parseResults, strikeFromExpected } from './report.js';
import { ranFile, RERUNS, rerunRequired, runAgain } from './rerun.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const EXPECTED_FILE = join(REPO, 'bench', 'conformance', 'expected-failures.txt');
const BASELINE = 'baseline-swift-2.30.1.txt';

function runId(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${process.pid}`;
}

function runSuite(script: string, args: string[], env: NodeJS.ProcessEnv, onChild: (kill: () => void) => void): Promise<number> {
  return new Promise((resolveRc, reject) => {
    // detached: the suite (bash → timeout → pytest) is its own process group, killed as one.
    const child = spawn('bash', [script, ...args], { stdio: 'inherit', env, detached: true });
    onChild(() => {
      if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolveRc(code ?? (signal ? 128 : 2)));
  });
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const suiteDir = resolve(process.env.SWIFTLY_CONFORMANCE_DIR ?? join(REPO, '..', 'shared', 'conformance'));
  const script = join(suiteDir, 'run-swift-functional.sh');
  if (!existsSync(script) || !existsSync(join(suiteDir, BASELINE))) {
    console.error(`conformance: no suite at ${suiteDir} (run-swift-functional.sh and ${BASELINE}); set SWIFTLY_CONFORMANCE_DIR`);
    return 2;
  }
  const baseline = parseResults(readFileSync(join(suiteDir, BASELINE), 'utf8'));
  const expected = parseExpected(readFileSync(EXPECTED_FILE, 'utf8'));
  const resultsDir = resolve(process.env.CONFORMANCE_RESULTS_DIR ?? join(REPO, 'conformance-results', runId()));
  mkdirSync(resultsDir, { recursive: true });

  const { pipeline, leftOut } = conformancePipeline(FILTERS);
  console.log(`conformance: pipeline = ${pipeline.join(' ')}`);
  console.log(`conformance: left out (not in swiftly's registry yet): ${leftOut.length ? leftOut.join(' ') : 'none'}`);

  const clusterDir = mkdtempSync(join(tmpdir(), 'swiftly-conformance-'));
  const proxyPort = process.env.CONFORMANCE_PORT ? Number(process.env.CONFORMANCE_PORT) : await freePort();
  let cluster: AllInOne | undefined;
  let killSuite = (): void => {};
  let interrupted = false;
  const onSignal = (): void => {
    interrupted = true;
    killSuite();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    cluster = await startConformanceCluster(clusterDir, proxyPort, (msg) => process.stderr.write(`cluster: ${msg}\n`));
    console.log(`conformance: cluster in ${clusterDir}, auth ${cluster.authUrl}; results in ${resultsDir}`);
    const rc = await runSuite(script, args, { ...process.env, SWIFT_AUTH_URL: cluster.authUrl, RESULTS_DIR: resultsDir }, (kill) => (killSuite = kill));
    if (interrupted) return 130;
    const resultsFile = join(resultsDir, 'results.txt');
    if (!existsSync(resultsFile) || (rc !== 0 && rc !== 1)) {
      console.error(`conformance: the suite did not complete (exit ${rc}); see ${join(resultsDir, 'pytest.log')}`);
      return 2;
    }
    const results = parseResults(readFileSync(resultsFile, 'utf8'));
    // Files the runner's test.conf made skip, run again set up to run: their results replace the skips and must pass.
    const required = rerunRequired(baseline);
    const rerunLines: string[] = [];
    for (const rerun of RERUNS) {
      if (!ranFile(results, rerun.file)) continue;
      const again = await runAgain(suiteDir, resultsDir, rerun, args);
      if (interrupted) return 130;
      if (again.size === 0) {
        console.error(`conformance: ${rerun.file} did not run again; see ${join(resultsDir, rerun.file.replace(/^.*\//, '').replace(/\.py$/, ''), 'pytest.log')}`);
        return 2;
      }
      for (const [id, status] of again) results.set(id, status);
      rerunLines.push(`${rerun.file} run again, set up to run (must pass): ${formatCounts(countStatuses(again.values()))}`);
    }
    const verdict = judge(results, baseline, expected, required);
    const report = [...rerunLines, formatVerdict(verdict, countStatuses(baseline.values()), results.size === baseline.size)].join('\n');
    console.log(report);
    writeFileSync(join(resultsDir, 'verdict.txt'), report + '\n');
    appendFileSync(join(resultsDir, 'verdict.txt'), `pipeline = ${pipeline.join(' ')}\nleft out = ${leftOut.join(' ')}\n`);
    if (process.env.CONFORMANCE_STRIKE === '1' && verdict.nowPassing.length > 0) {
      writeFileSync(EXPECTED_FILE, strikeFromExpected(readFileSync(EXPECTED_FILE, 'utf8'), new Set(verdict.nowPassing.map((n) => n.id))));
      console.log(`conformance: struck ${verdict.nowPassing.length} test(s) from ${EXPECTED_FILE}`);
    }
    return verdict.unexpected.length === 0 ? 0 : 1;
  } finally {
    await cluster?.stop();
    for (const [from, to] of [['log', 'cluster-log'], ['etc/proxy-server.conf', 'proxy-server.conf']]) {
      if (existsSync(join(clusterDir, from))) cpSync(join(clusterDir, from), join(resultsDir, to), { recursive: true });
    }
    if (process.env.CONFORMANCE_KEEP === '1') console.log(`conformance: cluster kept in ${clusterDir}`);
    else rmSync(clusterDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error('conformance:', err);
    process.exit(2);
  },
);

/**
 * Runs Debian's `swift-bench` (package swift-bench) and reads its final
 * counts. Debian's 1.2.0 still carries two Python 2 leftovers that stop it
 * on Python 3 whatever it talks to (`xrange` in the script, a body source
 * whose `read()` returns str); the runner fixes both in-process and
 * otherwise runs the tool as shipped.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

const RUNNER = `
import builtins, runpy, sys
import swiftbench.bench as bench
builtins.xrange = range
_read = bench.SourceFile.read
bench.SourceFile.read = lambda self, size: _read(self, size).encode()
sys.argv[0] = 'swift-bench'
runpy.run_path('/usr/bin/swift-bench', run_name='__main__')
`;

export interface BenchPhase {
  count: number;
  failures: number;
  perSecond: number;
}

export interface BenchResult {
  /** `PUTS`, `GETS`, `DEL` as swift-bench names its phases. */
  phases: Record<string, BenchPhase>;
  output: string;
}

/** Runs swift-bench against a v1.0 auth URL; `args` are extra swift-bench options (-c, -s, -n, -g, …). */
export async function runSwiftBench(authUrl: string, user: string, key: string, args: string[], timeoutMs = 180_000): Promise<BenchResult> {
  const { stdout, stderr } = await run('/usr/bin/python3', ['-W', 'ignore', '-c', RUNNER, '-A', authUrl, '-U', user, '-K', key, ...args], {
    timeout: timeoutMs,
    maxBuffer: 16 * 1024 * 1024,
  });
  const output = `${stdout}${stderr}`;
  const phases: Record<string, BenchPhase> = {};
  for (const m of output.matchAll(/(\d+) (\w+) \*\*FINAL\*\* \[(\d+) failures\], ([\d.]+)\/s/g)) {
    phases[m[2]] = { count: Number(m[1]), failures: Number(m[3]), perSecond: Number(m[4]) };
  }
  return { phases, output };
}

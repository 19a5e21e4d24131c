/**
 * The compute scenario of `npm run test:multihost` (issue 24 point 5): runs
 * multihost-compute.test.js (its own three-host bed: the API, scheduler and
 * image API on one host, a worker on each of two others, PostgreSQL and
 * RabbitMQ, a worker host killed) as a child `node --test`, and returns its
 * verdict and figures (the test's diagnostics: boot time, placement per
 * host, time to `down` after the kill).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const TEST_FILE = fileURLToPath(new URL('../../long/multihost-compute.test.js', import.meta.url));

export interface ComputeScenarioResult {
  ok: boolean;
  /** `compute: …` lines: the figures, then each failure or skip. */
  lines: string[];
}

export async function runComputeScenario(): Promise<ComputeScenarioResult> {
  const child = spawn(process.execPath, ['--test', '--test-reporter=tap', TEST_FILE], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const tap = out.split('\n');
  const diagnostics = tap.filter((l) => /^ {4}# /.test(l) && !/^ {4}# Subtest:/.test(l)).map((l) => `compute: ${l.trim().slice(2)}`);
  const took = /^# duration_ms ([\d.]+)/m.exec(out)?.[1];
  if (took) diagnostics.push(`compute: ${(Number(took) / 1000).toFixed(0)} s in all (bed, services, checks)`);
  const failed = tap.filter((l) => /^ {4}not ok /.test(l)).map((l) => `compute: FAILED ${l.trim()}`);
  const skipped = tap.filter((l) => /# SKIP/.test(l)).map((l) => `compute: SKIPPED ${l.trim()}`);
  return { ok: code === 0 && skipped.length === 0, lines: [...diagnostics, ...failed, ...skipped, `compute: node --test exited ${code}`] };
}

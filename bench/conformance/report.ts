/**
 * Judging a conformance run against real Swift's outcome per test: which
 * tests Swift passes and swiftly does not, which of those the
 * expected-failures list already owns up to (not a failure of the run), and
 * which listed tests now pass (to be struck from the list).
 */

export type Status = 'PASSED' | 'FAILED' | 'SKIPPED' | 'ERROR' | 'XFAIL' | 'XPASS';

/** Parses `STATUS test-id` lines (results.txt, the baseline file). */
export function parseResults(text: string): Map<string, Status> {
  const out = new Map<string, Status>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const m = /^(PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS) (\S.*)$/.exec(line);
    if (!m) throw new Error(`not a "STATUS test-id" line: ${JSON.stringify(line)}`);
    out.set(m[2], m[1] as Status);
  }
  return out;
}

/**
 * Parses the expected-failures list: a test id per line, grouped under
 * `## reason` headings; other `#` lines are comments. Returns id → reason.
 */
export function parseExpected(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let group = '(no reason given)';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('##')) {
      group = line.replace(/^#+\s*/, '');
      continue;
    }
    if (line.startsWith('#')) continue;
    if (out.has(line)) throw new Error(`expected-failures list names ${line} twice`);
    out.set(line, group);
  }
  return out;
}

export interface Counts {
  passed: number;
  failed: number;
  skipped: number;
  errors: number;
  other: number;
}

export function countStatuses(results: Iterable<Status>): Counts {
  const c: Counts = { passed: 0, failed: 0, skipped: 0, errors: 0, other: 0 };
  for (const s of results) {
    if (s === 'PASSED') c.passed++;
    else if (s === 'FAILED') c.failed++;
    else if (s === 'SKIPPED') c.skipped++;
    else if (s === 'ERROR') c.errors++;
    else c.other++;
  }
  return c;
}

export interface Verdict {
  /** swiftly's counts over the tests that ran. */
  swiftly: Counts;
  /** Swift's counts over the same tests. */
  swift: Counts;
  /** Tests Swift passes that swiftly did not pass, with swiftly's status. */
  deviations: { id: string; status: Status; expected?: string }[];
  /** Deviations not on the expected-failures list: the run fails on these. */
  unexpected: { id: string; status: Status }[];
  /** Listed tests that passed this time: strike them from the list. */
  nowPassing: { id: string; reason: string }[];
  /** Listed ids Swift does not pass (or that are not in the baseline) and not required: the list is wrong there. */
  badEntries: string[];
}

/**
 * A test "fails" here when Swift passes it and swiftly does not (failed,
 * error or skipped: a skip where Swift runs the test is a missing feature).
 * Only tests that ran count, so a `-k` or single-file run judges its own part.
 * `required` tests must pass whatever the baseline says: those run again
 * with a configuration the reference run lacked (bench/conformance/rerun.ts).
 */
export function judge(
  results: ReadonlyMap<string, Status>,
  baseline: ReadonlyMap<string, Status>,
  expected: ReadonlyMap<string, string>,
  required: ReadonlySet<string> = new Set(),
): Verdict {
  const swiftStatuses: Status[] = [];
  const deviations: Verdict['deviations'] = [];
  const unexpected: Verdict['unexpected'] = [];
  const nowPassing: Verdict['nowPassing'] = [];
  for (const [id, status] of results) {
    const swift = baseline.get(id);
    if (swift) swiftStatuses.push(swift);
    const reason = expected.get(id);
    if (status === 'PASSED') {
      if (reason !== undefined) nowPassing.push({ id, reason });
      continue;
    }
    if (swift !== 'PASSED' && !required.has(id)) continue;
    deviations.push({ id, status, expected: reason });
    if (reason === undefined) unexpected.push({ id, status });
  }
  const badEntries = [...expected.keys()].filter((id) => baseline.get(id) !== 'PASSED' && !required.has(id));
  return { swiftly: countStatuses(results.values()), swift: countStatuses(swiftStatuses), deviations, unexpected, nowPassing, badEntries };
}

export function formatCounts(c: Counts): string {
  return `passed=${c.passed} failed=${c.failed} skipped=${c.skipped}` + (c.errors ? ` errors=${c.errors}` : '') + (c.other ? ` other=${c.other}` : '');
}

/** The human report, grouped by reason; one line per test. */
export function formatVerdict(v: Verdict, totalSwift: Counts, ranAll: boolean): string {
  const lines: string[] = [];
  lines.push('==================================================================');
  lines.push(`swiftly       ${formatCounts(v.swiftly)}   (${v.swiftly.passed + v.swiftly.failed + v.swiftly.skipped + v.swiftly.errors + v.swiftly.other} tests run)`);
  lines.push(`Swift 2.30.1  ${formatCounts(v.swift)}   (the same tests, baseline file)`);
  if (!ranAll) lines.push(`              (the whole suite: Swift ${formatCounts(totalSwift)})`);
  lines.push('');
  lines.push(`Tests real Swift passes and swiftly does not: ${v.deviations.length}`);
  const groups = new Map<string, typeof v.deviations>();
  for (const d of v.deviations) {
    const key = d.expected ?? 'NOT ON THE EXPECTED-FAILURES LIST (regression or new test)';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(d);
  }
  const keys = [...groups.keys()].sort((a, b) => Number(groups.get(a)![0].expected !== undefined) - Number(groups.get(b)![0].expected !== undefined));
  for (const key of keys) {
    lines.push(`  ## ${key} (${groups.get(key)!.length})`);
    for (const d of groups.get(key)!) lines.push(`  ${d.status.padEnd(7)} ${d.id}`);
  }
  if (v.nowPassing.length > 0) {
    lines.push('');
    lines.push(`On the expected-failures list but passing now (${v.nowPassing.length}): remove them from the list`);
    for (const n of v.nowPassing) lines.push(`  PASSED  ${n.id}   [${n.reason}]`);
  }
  if (v.badEntries.length > 0) {
    lines.push('');
    lines.push(`On the expected-failures list but not passed by real Swift (${v.badEntries.length}): remove them from the list`);
    for (const id of v.badEntries) lines.push(`  ${id}`);
  }
  lines.push('');
  lines.push(v.unexpected.length === 0
    ? 'RESULT: ok (every test real Swift passes either passes or is on the expected-failures list)'
    : `RESULT: FAILED: ${v.unexpected.length} test(s) real Swift passes fail on swiftly and are not on the expected-failures list`);
  lines.push('==================================================================');
  return lines.join('\n');
}

/** The expected-failures text without the lines naming `ids`, and without the `## reason` headings left with no test. */
export function strikeFromExpected(text: string, ids: ReadonlySet<string>): string {
  const kept = text.split('\n').filter((line) => !ids.has(line.trim()));
  const out: string[] = [];
  for (let i = 0; i < kept.length; i++) {
    const line = kept[i].trim();
    if (line.startsWith('##')) {
      let j = i + 1;
      while (j < kept.length && kept[j].trim() === '') j++;
      if (j >= kept.length || kept[j].trim().startsWith('##')) {
        i = j - 1; // an empty group: drop its heading and the blank lines after it
        continue;
      }
    }
    out.push(kept[i]);
  }
  return out.join('\n');
}

/**
 * Asks Debian's real Swift (its Python modules) about a ring: one Python
 * process answers for many names, so interop tests stay fast.
 */
import { spawnSync } from 'node:child_process';

/** Debian's Python with the swift modules; override with SWIFT_PYTHON. */
export const SWIFT_PYTHON = process.env.SWIFT_PYTHON ?? '/usr/bin/python3';

const LOOKUP_SCRIPT = String.raw`
import json, sys
import swift.common.utils as utils
req = json.load(sys.stdin)
# Set the secrets directly, so Swift does not read /etc/swift/swift.conf.
utils.HASH_PATH_PREFIX = req['prefix'].encode('utf8')
utils.HASH_PATH_SUFFIX = req['suffix'].encode('utf8')
from swift.common.ring import Ring
ring = Ring(req['ring'])
results = []
detail = []
for i, (a, c, o) in enumerate(req['names']):
    part, nodes = ring.get_nodes(a, c, o)
    more = list(ring.get_more_nodes(part))
    results.append([part, [[n['id'], n['index']] for n in nodes],
                    [[n['id'], n['handoff_index']] for n in more]])
    if i < req.get('detail', 0):
        detail.append({'primaries': nodes, 'handoffs': more})
json.dump({'results': results, 'detail': detail,
           'replica_count': ring.replica_count,
           'partition_count': ring.partition_count,
           'part_power': ring.part_power,
           'version': ring.version,
           'devs': ring.devs}, sys.stdout)
`;

export type SwiftLookup = [partition: number, primaries: [id: number, index: number][], handoffs: [id: number, handoffIndex: number][]];

export interface SwiftRingAnswers {
  results: SwiftLookup[];
  detail: { primaries: Record<string, unknown>[]; handoffs: Record<string, unknown>[] }[];
  replica_count: number;
  partition_count: number;
  part_power: number;
  version: number | null;
  devs: (Record<string, unknown> | null)[];
}

/** Swift's get_nodes + all of get_more_nodes for each name. */
export function swiftLookups(
  ringPath: string,
  secrets: { prefix: string; suffix: string },
  names: [string, string?, string?][],
  detail = 0,
): SwiftRingAnswers {
  const input = JSON.stringify({
    ring: ringPath,
    prefix: secrets.prefix,
    suffix: secrets.suffix,
    names: names.map(([a, c, o]) => [a, c ?? null, o ?? null]),
    detail,
  });
  const run = spawnSync(SWIFT_PYTHON, ['-c', LOOKUP_SCRIPT], { input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`Swift's python failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as SwiftRingAnswers;
}

const RING_BUILDER_SCRIPT = String.raw`
import contextlib, io, json, os, sys, traceback
from swift.cli.ringbuilder import main
req = json.load(sys.stdin)
os.chdir(req['cwd'])
answers = []
for args in req['commands']:
    out = io.StringIO()
    status = 0
    with contextlib.redirect_stdout(out):
        try:
            code = main(['swift-ring-builder'] + args)
            status = 0 if code is None else code
        except SystemExit as e:
            if e.code is None or isinstance(e.code, int):
                status = e.code or 0
            else:
                print(e.code, file=sys.stderr)
                status = 1
        except Exception:
            # /usr/bin/swift-ring-builder's excepthook: the traceback, exit 2
            traceback.print_exc()
            status = 2
    answers.append({'status': status, 'out': out.getvalue()})
json.dump(answers, sys.stdout)
`;

/**
 * Debian's swift-ring-builder for each of `commands` in turn, in `cwd`: its
 * exit status and stdout. One Python process calls Swift's
 * `swift.cli.ringbuilder.main(argv)` (what the console script runs, and how
 * Swift's own test_ringbuilder.py drives it) once per command, so the
 * ~1.4 CPU-s of a Python start with Swift's imports is paid once, not per command.
 */
export function swiftRingBuilderBatch(cwd: string, commands: string[][]): { status: number; out: string }[] {
  const run = spawnSync(SWIFT_PYTHON, ['-c', RING_BUILDER_SCRIPT], { input: JSON.stringify({ cwd, commands }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.error) throw run.error;
  if (run.status !== 0) throw new Error(`Swift's python failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout) as { status: number; out: string }[];
}

/** Runs Debian's `swift-ring-builder` with `args`; throws on a failure exit. */
export function swiftRingBuilder(cwd: string, ...args: string[]): string {
  const run = spawnSync('swift-ring-builder', args, { cwd, encoding: 'utf8' });
  if (run.error) throw run.error;
  // swift-ring-builder exits 1 for warnings (e.g. balance) and 2 on errors.
  if (run.status !== 0 && run.status !== 1) throw new Error(`swift-ring-builder ${args.join(' ')} failed (${run.status}): ${run.stdout}${run.stderr}`);
  return run.stdout;
}

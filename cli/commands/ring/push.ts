import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Args, Command, Flags } from '@oclif/core';
import { pushRings } from '../../cluster/ring-push.js';

/** Copies ring files to every host's swift_dir; servers reload them without a restart. */
export default class RingPush extends Command {
  static override description =
    "Push ring files to every host's swift_dir (a local directory, or an rsync destination: host:/etc/swift, rsync://host/swift). "
    + 'Each host gets whole files (temp file, fsync, rename); servers reload a ring whose mtime changed within reload_time (15 s), without a restart.';

  static override examples = [
    '<%= config.bin %> ring push --ring-dir . rsync://10.0.0.11/swift rsync://10.0.0.12/swift',
    '<%= config.bin %> ring push --ring object.ring.gz,container.ring.gz root@storage1:/etc/swift root@storage2:/etc/swift',
  ];

  static override strict = false;

  static override args = {
    target: Args.string({ ignoreStdin: true, required: true, description: 'where to push: a directory, [user@]host:/etc/swift or rsync://host/module (several allowed)' }),
  };

  static override flags = {
    'ring-dir': Flags.string({ char: 'd', default: '.', description: 'push every *.ring.gz of this directory (where write-ring/rebalance put them)' }),
    ring: Flags.string({ char: 'r', description: 'push only these ring files, comma-separated (instead of --ring-dir)' }),
    rsync: Flags.string({ default: 'rsync', description: 'the rsync binary' }),
    timeout: Flags.integer({ default: 30, min: 1, description: "rsync's I/O timeout, seconds" }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(RingPush);
    const targets = argv as string[];
    const files = flags.ring?.split(',').filter(Boolean) ?? readdirSync(flags['ring-dir']).filter((f) => f.endsWith('.ring.gz')).sort().map((f) => join(flags['ring-dir'], f));
    let outcomes;
    try {
      outcomes = await pushRings(files, targets, { rsync: flags.rsync, timeout: flags.timeout });
    } catch (err) {
      this.error((err as Error).message, { exit: 2 });
    }
    this.log(`pushing ${files.map((f) => f.split('/').pop()).join(', ')}`);
    for (const o of outcomes) this.log(`${o.ok ? 'ok    ' : 'FAILED'} ${o.target} (${o.via})${o.error ? `: ${o.error}` : ''}`);
    const failed = outcomes.filter((o) => !o.ok).length;
    if (failed) this.error(`${failed} of ${outcomes.length} targets not updated`, { exit: 1 });
  }
}

import { Args, Command } from '@oclif/core';
import { formatProperties } from '../../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../../lib/compute-cli.js';
import { findIn } from '../../../../lib/volume-backup-cli.js';

export default class SnapshotShow extends Command {
  static override description = 'Show a volume snapshot';
  static override args = { snapshot: Args.string({ ignoreStdin: true, description: 'snapshot id or name', required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SnapshotShow);
    await guard(this, async () => {
      this.log(formatProperties(await findIn((await clientFrom(this, flags)).forVolumes(), 'snapshots', args.snapshot)));
    });
  }
}

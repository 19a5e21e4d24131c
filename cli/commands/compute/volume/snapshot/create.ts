import { Args, Command, Flags } from '@oclif/core';
import { formatProperties } from '../../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../../lib/compute-cli.js';
import { waitFor } from '../../../../lib/volume-backup-cli.js';

export default class SnapshotCreate extends Command {
  static override description = 'Snapshot a volume (an available one: internal qcow2 snapshot, or a copy of a raw volume)';
  static override args = { volume: Args.string({ ignoreStdin: true, description: 'volume id', required: true }) };
  static override flags = {
    ...computeFlags,
    name: Flags.string({ description: 'snapshot name' }),
    description: Flags.string({ description: 'snapshot description' }),
    wait: Flags.boolean({ description: 'wait until it is available', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SnapshotCreate);
    await guard(this, async () => {
      const client = (await clientFrom(this, flags)).forVolumes();
      let s = (await client.request('POST', '/snapshots', { snapshot: { volume_id: args.volume, name: flags.name, description: flags.description } })).body.snapshot;
      if (flags.wait) s = await waitFor(client, 'snapshots', s.id, 'available', 'Snapshot');
      this.log(formatProperties(s));
    });
  }
}

import { Args, Command, Flags } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../../lib/compute-cli.js';
import { findIn, waitFor } from '../../../../lib/volume-backup-cli.js';

export default class SnapshotDelete extends Command {
  static override description = 'Delete volume snapshots';
  static override strict = false;
  static override args = { snapshot: Args.string({ ignoreStdin: true, description: 'snapshot id or name (several may be given)', required: true }) };
  static override flags = { ...computeFlags, wait: Flags.boolean({ description: 'wait until they are gone', default: false }) };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(SnapshotDelete);
    await guard(this, async () => {
      const client = (await clientFrom(this, flags)).forVolumes();
      for (const name of argv as string[]) {
        const s = await findIn(client, 'snapshots', name);
        await client.request('DELETE', `/snapshots/${s.id}`);
        if (flags.wait) await waitFor(client, 'snapshots', s.id, 'deleted', 'Snapshot');
        else this.log(`Request to delete snapshot ${s.id} has been accepted.`);
      }
    });
  }
}

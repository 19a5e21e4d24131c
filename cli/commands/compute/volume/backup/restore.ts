import { Args, Command, Flags } from '@oclif/core';
import { formatProperties } from '../../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../../lib/compute-cli.js';
import { findIn, waitFor } from '../../../../lib/volume-backup-cli.js';

export default class BackupRestore extends Command {
  static override description = 'Restore a backup to a new volume, or onto an existing available one (--volume); checked against the checksum taken at backup';
  static override args = { backup: Args.string({ ignoreStdin: true, description: 'backup id or name', required: true }) };
  static override flags = {
    ...computeFlags,
    volume: Flags.string({ description: 'restore onto this available volume (at least the backup\'s size)' }),
    name: Flags.string({ description: 'name of the new volume' }),
    wait: Flags.boolean({ description: 'wait until the volume is available, with a progress bar', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(BackupRestore);
    await guard(this, async () => {
      const client = (await clientFrom(this, flags)).forVolumes();
      const b = await findIn(client, 'backups', args.backup);
      const r = (await client.request('POST', `/backups/${b.id}/restore`, { restore: { volume_id: flags.volume, name: flags.name } })).body.restore;
      if (flags.wait) {
        await waitFor(client, 'backups', b.id, 'available', 'Restore');
        const v = await waitFor(client, 'volumes', r.volume_id, 'available', 'Volume');
        r.volume_status = v.status;
      }
      this.log(formatProperties(r));
    });
  }
}

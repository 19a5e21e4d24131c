import { Args, Command, Flags } from '@oclif/core';
import { formatProperties } from '../../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../../lib/compute-cli.js';
import { waitFor } from '../../../../lib/volume-backup-cli.js';

export default class BackupCreate extends Command {
  static override description = 'Back a volume up into the object store (container volumebackups of your account), fully or incrementally';
  static override args = { volume: Args.string({ ignoreStdin: true, description: 'volume id', required: true }) };
  static override flags = {
    ...computeFlags,
    name: Flags.string({ description: 'backup name' }),
    description: Flags.string({ description: 'backup description' }),
    container: Flags.string({ description: 'object store container (default: the service\'s backup_swift_container)' }),
    incremental: Flags.boolean({ description: 'store only what changed since the volume\'s latest backup', default: false }),
    force: Flags.boolean({ description: 'back up an in-use volume as it is (crash-consistent)', default: false }),
    snapshot: Flags.string({ description: 'back up this snapshot of the volume' }),
    wait: Flags.boolean({ description: 'wait until it is available, with a progress bar', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(BackupCreate);
    await guard(this, async () => {
      const client = (await clientFrom(this, flags)).forVolumes();
      const body = {
        volume_id: args.volume, name: flags.name, description: flags.description, container: flags.container,
        incremental: flags.incremental, force: flags.force, snapshot_id: flags.snapshot,
      };
      const b = (await client.request('POST', '/backups', { backup: body })).body.backup;
      if (!flags.wait) return this.log(formatProperties({ id: b.id, name: b.name }));
      const done = await waitFor(client, 'backups', b.id, 'available', 'Backup');
      delete done.links;
      this.log(formatProperties(done));
    });
  }
}

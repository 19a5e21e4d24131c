import { Args, Command, Flags } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../../lib/compute-cli.js';
import { findIn, waitFor } from '../../../../lib/volume-backup-cli.js';

export default class BackupDelete extends Command {
  static override description = 'Delete volume backups and their objects (refused while incremental backups depend on one)';
  static override strict = false;
  static override args = { backup: Args.string({ ignoreStdin: true, description: 'backup id or name (several may be given)', required: true }) };
  static override flags = { ...computeFlags, wait: Flags.boolean({ description: 'wait until they are gone', default: false }) };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(BackupDelete);
    await guard(this, async () => {
      const client = (await clientFrom(this, flags)).forVolumes();
      for (const name of argv as string[]) {
        const b = await findIn(client, 'backups', name);
        await client.request('DELETE', `/backups/${b.id}`);
        if (flags.wait) await waitFor(client, 'backups', b.id, 'deleted', 'Backup');
        else this.log(`Request to delete backup ${b.id} has been accepted.`);
      }
    });
  }
}

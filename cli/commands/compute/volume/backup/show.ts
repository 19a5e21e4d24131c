import { Args, Command } from '@oclif/core';
import { formatProperties } from '../../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../../lib/compute-cli.js';
import { findIn } from '../../../../lib/volume-backup-cli.js';

export default class BackupShow extends Command {
  static override description = 'Show a volume backup';
  static override args = { backup: Args.string({ ignoreStdin: true, description: 'backup id or name', required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(BackupShow);
    await guard(this, async () => {
      const b = await findIn((await clientFrom(this, flags)).forVolumes(), 'backups', args.backup);
      delete b.links;
      this.log(formatProperties(b));
    });
  }
}

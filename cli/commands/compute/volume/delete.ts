import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';
import { volumeWaitFlag, waitVolumeWithSpinner } from '../../../lib/volume-cli.js';

export default class VolumeDelete extends Command {
  static override description = 'Delete a volume (by ID or name); it must be available (not attached) or in error';
  static override args = { volume: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, ...volumeWaitFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(VolumeDelete);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const v = await client.findVolume(args.volume);
      await client.request('DELETE', `/volumes/${v.id}`, undefined, 'v3');
      if (flags.wait) await waitVolumeWithSpinner(client, v.id, ['deleted'], 'Deleting volume');
      this.log(`Request to delete volume ${v.id} has been accepted.`);
    });
  }
}

import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';
import { volumeWaitFlag, waitVolumeWithSpinner } from '../../../lib/volume-cli.js';

export default class VolumeExtend extends Command {
  static override description = 'Grow an available volume to a new size in GiB';
  static override args = {
    volume: Args.string({ ignoreStdin: true, required: true }),
    size: Args.integer({ ignoreStdin: true, required: true, description: 'the new size (GiB), larger than now' }),
  };
  static override flags = { ...computeFlags, ...volumeWaitFlag };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(VolumeExtend);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const v = await client.findVolume(args.volume);
      await client.request('POST', `/volumes/${v.id}/action`, { 'os-extend': { new_size: args.size } }, 'v3');
      if (flags.wait) await waitVolumeWithSpinner(client, v.id, ['available'], 'Extending volume');
      this.log(`Request to extend volume ${v.id} to ${args.size} GiB has been accepted.`);
    });
  }
}

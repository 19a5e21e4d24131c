import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';
import { volumeProperties } from '../../../lib/volume-cli.js';

export default class VolumeShow extends Command {
  static override description = 'Show a volume (by ID or name)';
  static override args = { volume: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(VolumeShow);
    await guard(this, async () => {
      this.log(volumeProperties(await (await clientFrom(this, flags)).findVolume(args.volume)));
    });
  }
}

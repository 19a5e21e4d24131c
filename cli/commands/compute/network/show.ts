import { Args, Command } from '@oclif/core';
import { formatProperties } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class NetworkShow extends Command {
  static override description = 'Show a network (by ID or label)';
  static override args = { network: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(NetworkShow);
    await guard(this, async () => {
      this.log(formatProperties(await (await clientFrom(this, flags)).findIn('os-networks', args.network)));
    });
  }
}

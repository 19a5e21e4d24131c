import { Args, Command } from '@oclif/core';
import { formatProperties } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class FlavorShow extends Command {
  static override description = 'Show a flavor (by ID or name)';
  static override args = { flavor: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FlavorShow);
    await guard(this, async () => {
      const f = await (await clientFrom(this, flags)).findFlavor(args.flavor);
      delete f.links;
      this.log(formatProperties(f));
    });
  }
}

import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class FlavorDelete extends Command {
  static override description = 'Delete a flavor (admin; by ID or name)';
  static override args = { flavor: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FlavorDelete);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const f = await client.findFlavor(args.flavor);
      await client.request('DELETE', `/flavors/${encodeURIComponent(f.id)}`);
      this.log(`Flavor ${f.id} (${f.name}) deleted`);
    });
  }
}

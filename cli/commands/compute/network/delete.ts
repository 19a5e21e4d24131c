import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class NetworkDelete extends Command {
  static override description = 'Delete a network (admin; refused while a server uses it)';
  static override args = { network: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(NetworkDelete);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const n = await client.findIn('os-networks', args.network);
      await client.request('DELETE', `/os-networks/${encodeURIComponent(n.id)}`);
      this.log(`Network ${n.id} (${n.label}) deleted`);
    });
  }
}

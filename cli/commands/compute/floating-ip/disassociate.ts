import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class FloatingIpDisassociate extends Command {
  static override description = 'Disassociate a floating IP from a server';
  static override args = {
    server: Args.string({ ignoreStdin: true, required: true, description: 'server ID or name' }),
    address: Args.string({ ignoreStdin: true, required: true, description: 'floating IP address' }),
  };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FloatingIpDisassociate);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { removeFloatingIp: { address: args.address } });
      this.log(`Floating IP ${args.address} disassociated from server ${s.id}`);
    });
  }
}

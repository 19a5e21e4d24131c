import { Args, Command, Flags } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class FloatingIpAssociate extends Command {
  static override description = "Associate a floating IP with a server (NAT to its fixed address)";
  static override args = {
    server: Args.string({ ignoreStdin: true, required: true, description: 'server ID or name' }),
    address: Args.string({ ignoreStdin: true, required: true, description: 'floating IP address' }),
  };
  static override flags = { ...computeFlags, 'fixed-address': Flags.string({ description: 'which of the server\'s fixed addresses' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FloatingIpAssociate);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const s = await client.findServer(args.server);
      await client.action(s.id, { addFloatingIp: { address: args.address, ...(flags['fixed-address'] ? { fixed_address: flags['fixed-address'] } : {}) } });
      this.log(`Floating IP ${args.address} associated with server ${s.id}`);
    });
  }
}

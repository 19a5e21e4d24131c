import { Args, Command } from '@oclif/core';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class FloatingIpDelete extends Command {
  static override description = 'Release a floating IP back to its pool (by address or ID; disassociated first)';
  static override args = { address: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FloatingIpDelete);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const f = await client.findFloatingIp(args.address);
      await client.request('DELETE', `/os-floating-ips/${encodeURIComponent(f.id)}`);
      this.log(`Floating IP ${f.ip} released`);
    });
  }
}

import { Command } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class FloatingIpPools extends Command {
  static override description = 'List floating IP pools';
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(FloatingIpPools);
    await guard(this, async () => {
      const pools = (await (await clientFrom(this, flags)).request('GET', '/os-floating-ip-pools')).body.floating_ip_pools as { name: string }[];
      this.log(formatTable(['name'], pools.map((p) => [p.name])));
    });
  }
}

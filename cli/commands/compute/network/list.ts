import { Command } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class NetworkList extends Command {
  static override description = 'List networks (yours and the shared ones; every one for an admin)';
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(NetworkList);
    await guard(this, async () => {
      const nets = (await (await clientFrom(this, flags)).request('GET', '/os-networks')).body.networks as Record<string, any>[];
      this.log(formatTable(['ID', 'Label', 'CIDR', 'Gateway'], nets.map((n) => [n.id, n.label, n.cidr, n.gateway])));
    });
  }
}

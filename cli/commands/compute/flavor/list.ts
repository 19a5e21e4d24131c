import { Command } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class FlavorList extends Command {
  static override description = 'List flavors';
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(FlavorList);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const flavors = (await client.request('GET', '/flavors/detail')).body.flavors as Record<string, any>[];
      this.log(formatTable(
        ['ID', 'Name', 'Memory_MiB', 'Disk', 'Ephemeral', 'Swap', 'VCPUs', 'RXTX_Factor', 'Is_Public'],
        flavors.map((f) => [f.id, f.name, f.ram, f.disk, f['OS-FLV-EXT-DATA:ephemeral'], f.swap, f.vcpus, f.rxtx_factor, f['os-flavor-access:is_public']]),
      ));
    });
  }
}

import { Command } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class FloatingIpList extends Command {
  static override description = "List the project's floating IPs";
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(FloatingIpList);
    await guard(this, async () => {
      const ips = (await (await clientFrom(this, flags)).request('GET', '/os-floating-ips')).body.floating_ips as Record<string, any>[];
      this.log(formatTable(['Id', 'IP', 'Server Id', 'Fixed IP', 'Pool'], ips.map((f) => [f.id, f.ip, f.instance_id ?? '-', f.fixed_ip ?? '-', f.pool])));
    });
  }
}

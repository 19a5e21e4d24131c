import { Command, Flags } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class FloatingIpCreate extends Command {
  static override description = 'Allocate a floating IP to the project';
  static override flags = { ...computeFlags, pool: Flags.string({ description: 'pool (default: the default pool)' }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(FloatingIpCreate);
    await guard(this, async () => {
      const f = (await (await clientFrom(this, flags)).request('POST', '/os-floating-ips', flags.pool ? { pool: flags.pool } : {})).body.floating_ip;
      this.log(formatTable(['Id', 'IP', 'Server Id', 'Fixed IP', 'Pool'], [[f.id, f.ip, f.instance_id ?? '-', f.fixed_ip ?? '-', f.pool]]));
    });
  }
}

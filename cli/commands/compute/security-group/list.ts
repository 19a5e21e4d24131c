import { Command, Flags } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class SecurityGroupList extends Command {
  static override description = "List the project's security groups";
  static override flags = { ...computeFlags, 'all-tenants': Flags.boolean({ description: 'every project (admin)', default: false }) };

  async run(): Promise<void> {
    const { flags } = await this.parse(SecurityGroupList);
    await guard(this, async () => {
      const path = flags['all-tenants'] ? '/os-security-groups?all_tenants=1' : '/os-security-groups';
      const groups = (await (await clientFrom(this, flags)).request('GET', path)).body.security_groups as Record<string, any>[];
      this.log(formatTable(['Id', 'Name', 'Description', 'Rules'], groups.map((g) => [g.id, g.name, g.description, g.rules.length])));
    });
  }
}

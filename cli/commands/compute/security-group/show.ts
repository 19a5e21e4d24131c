import { Args, Command } from '@oclif/core';
import { formatProperties, formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class SecurityGroupShow extends Command {
  static override description = 'Show a security group and its rules (by ID or name)';
  static override args = { group: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SecurityGroupShow);
    await guard(this, async () => {
      const g = await (await clientFrom(this, flags)).findIn('os-security-groups', args.group);
      this.log(formatProperties({ id: g.id, name: g.name, description: g.description, tenant_id: g.tenant_id }));
      this.log(formatTable(
        ['Rule Id', 'IP Protocol', 'From Port', 'To Port', 'IP Range', 'Source Group'],
        (g.rules as Record<string, any>[]).map((r) => [r.id, r.ip_protocol ?? 'any', r.from_port ?? '', r.to_port ?? '', r.ip_range?.cidr ?? '', r.group?.name ?? '']),
      ));
    });
  }
}

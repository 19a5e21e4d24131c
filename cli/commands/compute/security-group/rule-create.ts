import { Args, Command, Flags } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class SecurityGroupRuleCreate extends Command {
  static override description = 'Add an ingress rule to a security group (tcp/udp ports, icmp type/code -1 = any)';
  static override args = { group: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = {
    ...computeFlags,
    protocol: Flags.string({ description: 'tcp, udp or icmp (default: any protocol)', options: ['tcp', 'udp', 'icmp'] }),
    'from-port': Flags.integer({ description: 'first port (icmp: type)' }),
    'to-port': Flags.integer({ description: 'last port (icmp: code)' }),
    cidr: Flags.string({ description: 'source CIDR (default 0.0.0.0/0)', exclusive: ['source-group'] }),
    'source-group': Flags.string({ description: 'source: the servers in this group (ID or name)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SecurityGroupRuleCreate);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const g = await client.findIn('os-security-groups', args.group);
      const rule: Record<string, unknown> = { parent_group_id: g.id };
      if (flags.protocol) Object.assign(rule, { ip_protocol: flags.protocol, from_port: flags['from-port'] ?? -1, to_port: flags['to-port'] ?? flags['from-port'] ?? -1 });
      if (flags.cidr) rule.cidr = flags.cidr;
      if (flags['source-group']) rule.group_id = (await client.findIn('os-security-groups', flags['source-group'])).id;
      const r = (await client.request('POST', '/os-security-group-rules', { security_group_rule: rule })).body.security_group_rule;
      this.log(formatTable(
        ['Rule Id', 'IP Protocol', 'From Port', 'To Port', 'IP Range', 'Source Group'],
        [[r.id, r.ip_protocol ?? 'any', r.from_port ?? '', r.to_port ?? '', r.ip_range?.cidr ?? '', r.group?.name ?? '']],
      ));
    });
  }
}

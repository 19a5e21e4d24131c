import { Args, Command, Flags } from '@oclif/core';
import { formatProperties } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class NetworkCreate extends Command {
  static override description = 'Create a network (admin): a CIDR served by DHCP on a bridge of each compute host';
  static override args = { label: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = {
    ...computeFlags,
    cidr: Flags.string({ description: 'IPv4 CIDR, e.g. 10.0.0.0/24', required: true }),
    bridge: Flags.string({ description: 'bridge name on the compute hosts (default: br100, br101, …)' }),
    gateway: Flags.string({ description: 'gateway address (default: the first host address)' }),
    dns: Flags.string({ description: 'DNS server handed out by DHCP (repeatable, at most 2)', multiple: true }),
    'dhcp-start': Flags.string({ description: 'first address handed to servers' }),
    'project-id': Flags.string({ description: 'the only project that may use it (default: shared)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(NetworkCreate);
    await guard(this, async () => {
      const body: Record<string, unknown> = { label: args.label, cidr: flags.cidr };
      if (flags.bridge) body.bridge = flags.bridge;
      if (flags.gateway) body.gateway = flags.gateway;
      if (flags.dns?.[0]) body.dns1 = flags.dns[0];
      if (flags.dns?.[1]) body.dns2 = flags.dns[1];
      if (flags['dhcp-start']) body.dhcp_start = flags['dhcp-start'];
      if (flags['project-id']) body.project_id = flags['project-id'];
      const n = (await (await clientFrom(this, flags)).request('POST', '/os-networks', { network: body })).body.network;
      this.log(formatProperties(n));
    });
  }
}

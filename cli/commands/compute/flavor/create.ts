import { Args, Command, Flags } from '@oclif/core';
import { formatProperties } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class FlavorCreate extends Command {
  static override description = 'Create a flavor (admin)';
  static override args = { name: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = {
    ...computeFlags,
    id: Flags.string({ description: 'flavor ID (default: a UUID)' }),
    ram: Flags.integer({ description: 'memory in MiB', required: true }),
    vcpus: Flags.integer({ description: 'vCPUs', required: true }),
    disk: Flags.integer({ description: 'root disk in GiB', default: 0 }),
    ephemeral: Flags.integer({ description: 'ephemeral disk in GiB', default: 0 }),
    swap: Flags.integer({ description: 'swap in MiB', default: 0 }),
    private: Flags.boolean({ description: 'not public', default: false }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(FlavorCreate);
    await guard(this, async () => {
      const client = await clientFrom(this, flags);
      const body: Record<string, unknown> = {
        name: args.name, ram: flags.ram, vcpus: flags.vcpus, disk: flags.disk,
        'OS-FLV-EXT-DATA:ephemeral': flags.ephemeral, swap: flags.swap, 'os-flavor-access:is_public': !flags.private,
      };
      if (flags.id) body.id = flags.id;
      const f = (await client.request('POST', '/flavors', { flavor: body })).body.flavor;
      delete f.links;
      this.log(formatProperties(f));
    });
  }
}

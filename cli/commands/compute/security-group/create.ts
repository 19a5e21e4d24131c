import { Args, Command, Flags } from '@oclif/core';
import { formatTable } from '../../../../compute/client.js';
import { clientFrom, computeFlags, guard } from '../../../lib/compute-cli.js';

export default class SecurityGroupCreate extends Command {
  static override description = 'Create a security group (it allows nothing until rules are added)';
  static override args = { name: Args.string({ ignoreStdin: true, required: true }) };
  static override flags = { ...computeFlags, description: Flags.string({ description: 'description', default: '' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(SecurityGroupCreate);
    await guard(this, async () => {
      const g = (await (await clientFrom(this, flags)).request('POST', '/os-security-groups', { security_group: { name: args.name, description: flags.description } })).body.security_group;
      this.log(formatTable(['Id', 'Name', 'Description'], [[g.id, g.name, g.description]]));
    });
  }
}
